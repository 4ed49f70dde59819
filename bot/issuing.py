"""Which documents a person may have and what each states, from the roster,
the ledger and the forms; issuing one gives it a verification code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from flows.documents import (
    CertificateFacts,
    Kind,
    Party,
    ProofFacts,
    Signer,
    period_of_quarter,
    quarters_so_far,
)
from flows.program import Status, activity_day
from flows.program_spec import ProgramSpec
from flows.spec import SpecSet
from flows.workflow import EnrolmentStatus
from storage import repo
from storage.repo import Person
from storage.repo.documents import Issued

COACHING = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)  # as repo.chosen_coachees


@dataclass(frozen=True, slots=True)
class Offer:
    """A document a person may ask for: whom it names and what it states."""

    kind: Kind
    program: ProgramSpec
    period: str  # 2026-Q3, or e<enrolment id> for a certificate
    employee_id: int
    facts: ProofFacts | CertificateFacts


def party(p: Person) -> Party:
    return Party(nama=p.nama, nip=p.nip, pangkat=p.pangkat_golongan, jabatan=p.jabatan, unit=p.unit_name)


async def signers(s: AsyncSession, people: Sequence[Person]) -> dict[int, Signer | None]:
    """Per person, the Kepala Unit Kerja who signs: the head of their unit
    kerja, else of their unit utama (the satuan kerja), where the roster names one."""
    units = {u for p in people for u in (p.unit_id, p.unit_utama_id) if u is not None}
    heads = await repo.documents.heads_of(s, sorted(units)) if units else {}
    found: dict[int, Signer | None] = {}
    for p in people:
        head = heads.get(p.unit_id) or (heads.get(p.unit_utama_id) if p.unit_utama_id else None)
        found[p.id] = Signer(nama=head.nama, nip=head.nip, jabatan=head.jabatan) if head else None
    return found


async def proofs(s: AsyncSession, specs: SpecSet, people: Sequence[Person], year: int,
                 quarters: Sequence[int]) -> list[Offer]:
    """Bukti Keterangan of these people for the quarters given, each where
    the person has JP from dialogs held in that quarter."""
    offers: list[Offer] = []
    by_id = {p.id: p for p in people}
    sign = await signers(s, people)
    coaches = await repo.people_by_ids(s, {p.coach_id for p in people if p.coach_id})
    for program in specs.programs.values():
        proof = program.quarterly_proof
        if proof is None:
            continue
        held = await repo.documents.jp_by_quarter(s, list(by_id), program.id, year, quarters)
        for (employee_id, q), (jp, dialogs) in sorted(held.items(),
                                                      key=lambda e: (e[0][1], by_id[e[0][0]].nama)):
            p = by_id[employee_id]
            coach = coaches.get(p.coach_id) if p.coach_id else None
            facts = ProofFacts(year=year, quarter=q, issuer=proof.issuer, pegawai=party(p),
                               penilai=party(coach) if coach else None, jp=jp, dialogs=dialogs,
                               signer=sign[p.id])
            offers.append(Offer("bukti_keterangan", program, period_of_quarter(year, q), p.id, facts))
    return offers


async def certificates(s: AsyncSession, specs: SpecSet, people: Sequence[Person],
                       zone: ZoneInfo) -> list[Offer]:
    """Certificates of the programs these people completed as coachees, and
    of those they coached to completion, once the `after` form is in; each
    person's own first, then those they coached."""
    programs = {p.id: p for p in specs.programs.values() if p.certificate}
    if not programs or not people:
        return []
    mine = {p.id: p for p in people}
    enrolments = await repo.documents.certificate_enrolments(s, list(mine), list(programs))
    known = {**await repo.people_by_ids(s, {i for e in enrolments for i in (e.employee_id, e.coach_id)
                                            if i and i not in mine}), **mine}
    sign = await signers(s, list(known.values()))
    found: list[tuple[int, int, Offer]] = []  # (person's place, own 0 / coached 1, offer)
    order = {p.id: n for n, p in enumerate(people)}
    for e in enrolments:
        program = programs[e.program]
        cert = program.certificate
        assert cert is not None
        coachee, coach = known.get(e.employee_id), known.get(e.coach_id) if e.coach_id else None
        if coachee is None or coach is None:
            continue
        sides = [(coachee, "coachee", 0)] if e.employee_id in mine and "coachee" in cert.to else []
        if e.coach_id in mine and "coach" in cert.to and e.status in COACHING:
            sides.append((coach, "coach", 1))
        for holder, role, side in sides:
            offer = await _certificate(s, specs, program, coachee, coach, e.id, e.cycle, role, zone,
                                       sign[holder.id])
            if offer:
                found.append((order[holder.id], side, offer))
    return [offer for _, _, offer in sorted(found, key=lambda f: (f[0], f[1]))]


async def _certificate(s: AsyncSession, specs: SpecSet, program: ProgramSpec, coachee: Person, coach: Person,
                       enrolment_id: int, cycle: int, role: str, zone: ZoneInfo,
                       signer: Signer | None) -> Offer | None:
    cert = program.certificate
    assert cert is not None
    records = [r for r in await repo.records_of(s, coachee.id)
               if r.program == program.id and r.year == cycle and r.status is Status.CONFIRMED]
    if not any(r.activity == cert.after for r in records):
        return None
    days = sorted(activity_day(specs.form_for(program.id, r.activity), r.answers,
                               (r.submitted_at.astimezone(zone).date() if r.submitted_at else date.min))
                  for r in records)
    jp = sum((line.credited for line in await repo.lines_of(s, coachee.id, program=program.id, year=cycle)),
             Decimal(0)) if role == "coachee" else Decimal(0)
    holder, other = (coachee, coach) if role == "coachee" else (coach, coachee)
    facts = CertificateFacts(program=program.id, program_title=program.title, role=role,
                             holder=party(holder), other=other.nama, sessions=len(records), jp=jp,
                             first_day=days[0], last_day=days[-1], signer=signer)
    kind: Kind = "certificate_coachee" if role == "coachee" else "certificate_coach"
    return Offer(kind, program, f"e{enrolment_id}", holder.id, facts)


async def offers_for(s: AsyncSession, specs: SpecSet, person: Person, year: int, today: date,
                     zone: ZoneInfo) -> list[Offer]:
    """Everything this person may ask for: the year's Bukti Keterangan up to
    today's quarter, and their certificates."""
    return [*await proofs(s, specs, [person], year, quarters_so_far(year, today)),
            *await certificates(s, specs, [person], zone)]


async def issue(s: AsyncSession, offer: Offer, now: datetime) -> Issued:
    return await repo.documents.issue(s, offer.kind, offer.employee_id, offer.program.id, offer.period,
                                      offer.facts.model_dump(mode="json"), now)
