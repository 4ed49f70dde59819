"""Which programs a person takes part in, and who their coach and signer
are in each: the one home of those rules for every handler."""

from __future__ import annotations

from dataclasses import dataclass

from bot.turn import Turn
from flows.program import cycles, open_to_all
from flows.program_spec import Activity, ProgramSpec
from flows.workflow import LIVE_ENROLMENTS
from storage import repo
from storage.repo import EnrolmentRecord, Person

LIVE = LIVE_ENROLMENTS


@dataclass(frozen=True, slots=True)
class Taking:
    program: ProgramSpec
    cycle: int
    enrolment: EnrolmentRecord | None  # None: enrolled automatically, no row needed yet


def automatic(program: ProgramSpec, person: Person) -> bool:
    return open_to_all(program, person.flags)


async def taking_part(t: Turn, person: Person) -> list[Taking]:
    """The person's programs and cycles now: every automatic one they are
    eligible for, and each requested one that was approved."""
    rows = await repo.enrolments_of(t.s, person.id)
    found: list[Taking] = []
    for program in t.specs.programs.values():
        if automatic(program, person):
            found.extend(Taking(program, c, None) for c in cycles(program, t.today))
        else:
            found.extend(Taking(program, e.cycle, e) for e in rows
                         if e.program == program.id and e.status in LIVE)
    return found


async def enrolment_of(t: Turn, person: Person, program: ProgramSpec, cycle: int) -> Taking | None:
    """The person's part in one cycle of a program (also a past one, where a
    form sent back for changes may still be owed)."""
    if automatic(program, person):
        return Taking(program, cycle, None)
    return next((Taking(program, cycle, e) for e in await repo.enrolments_of(t.s, person.id)
                 if e.program == program.id and e.cycle == cycle and e.status in LIVE), None)


def coach_id(coachee: Person, taking: Taking) -> int | None:
    """The coach: the one chosen and approved, else the roster's (penilai, else atasan)."""
    chosen = taking.enrolment.coach_id if taking.enrolment else None
    return chosen or coachee.coach_id


def signer_id(activity: Activity, coachee: Person, taking: Taking) -> int | None:
    """Who gives the paraf: the atasan where the seed says so (Langsa's
    belajar mandiri, L:256), else the coach."""
    if activity.sign_by == "atasan":
        return coachee.atasan_id
    return coach_id(coachee, taking)


def roster_facts(coachee: Person, coach: Person | None) -> dict[str, str]:
    """What identity fields read from the roster (`coachee.nama`, `coach.nip`, ...)."""
    facts: dict[str, str] = {}
    for who, p in (("coachee", coachee), ("coach", coach)):
        if p is None:
            continue
        values = {"nama": p.nama, "nip": p.nip, "jabatan": p.jabatan, "pangkat_golongan": p.pangkat_golongan,
                  "unit_kerja": p.unit_name, "unit_utama": p.unit_utama_name, "email": p.email or "",
                  "phone": p.phone or ""}
        facts.update({f"{who}.{k}": v for k, v in values.items() if v})
    return facts


def may_read(reader: Person, activity: Activity | None, coachee: Person, taking: Taking | None) -> bool:
    """Session content belongs to the coachee and their coach (and whoever
    signs it); others only where the program's spec names them as readers."""
    if reader.id == coachee.id:
        return True
    if taking is None or activity is None:
        return reader.id == coachee.coach_id
    if reader.id in (coach_id(coachee, taking), signer_id(activity, coachee, taking)):
        return True
    return "atasan" in activity.readers and reader.id == coachee.atasan_id
