"""/dokumen: a person's Bukti Keterangan and certificates as PDF, and for a
PIC the unit's of a quarter as one ZIP; /verifikasi CODE (also without an
account, and from the QR code's link) says whether a document is genuine.
What a document states is worked out on the server from the person's own
records: a button only names which one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from functools import partial
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession

from bot import issuing
from bot.documents import Paper, bundle, certificate_pdf, proof_pdf
from bot.issuing import Offer
from bot.jobs import Job
from bot.turn import Turn
from flows.access import Scope
from flows.callbacks import GetDocument, UnitBundle, pack
from flows.conversation import State
from flows.documents import (
    KIND_CODES,
    ROMAN,
    CertificateFacts,
    ProofFacts,
    format_code,
    normalise_code,
    parse_quarter,
    period_of_quarter,
    quarter_of,
)
from flows.messages import Button, Document, Msg, Reply
from flows.recap import year_typed
from flows.roster import HEAD_ROLE
from storage import repo

# Who may take the unit's documents as one ZIP: its PIC and its head.
BUNDLE_ROLES = frozenset({"pic", HEAD_ROLE})


def describe(facts: ProofFacts | CertificateFacts) -> Msg:
    """One line naming a document: which, of what, for how much."""
    if isinstance(facts, ProofFacts):
        return Msg("doc.proof_line", {"roman": facts.roman, "year": facts.year, "jp": facts.jp,
                                      "dialogs": facts.dialogs})
    key = "doc.cert_coach_line" if facts.role == "coach" else "doc.cert_coachee_line"
    return Msg(key, {"program": Msg(facts.program_title), "sessions": facts.sessions,
                     "jp": facts.jp, "other": facts.other})


def _facts(kind: str, stored: dict[str, object]) -> ProofFacts | CertificateFacts:
    return ProofFacts.model_validate(stored) if kind == "bukti_keterangan" \
        else CertificateFacts.model_validate(stored)


def filename(offer: Offer) -> str:
    f = offer.facts
    if isinstance(f, ProofFacts):
        return f"bukti-keterangan-tw{f.quarter}-{f.year}-{f.pegawai.nip}.pdf"
    return f"sertifikat-{f.role}-{offer.program.id}-{f.holder.nip}-{offer.period}.pdf"


def renderer(t: Turn, offer: Offer, code: str) -> Callable[[], bytes]:
    """The PDF of an issued document, to be made in a worker thread."""
    f = offer.facts
    if isinstance(f, ProofFacts):
        return partial(proof_pdf, f, code, t.app.bot_username)
    return partial(certificate_pdf, f, code, t.app.bot_username, certificate_texts(t, f, code), t.lang)


def certificate_texts(t: Turn, f: CertificateFacts, code: str) -> dict[str, str]:
    """A certificate's wording in the reader's language."""
    def day(d: date) -> str:
        return format_date(d, "d MMMM y", locale=t.lang)

    params = {"program": Msg(f.program_title), "other": f.other, "sessions": f.sessions, "jp": f.jp,
              "first": day(f.first_day), "last": day(f.last_day), "code": format_code(code)}
    keys = {"title": "doc.cert_title", "program": "doc.cert_program", "given_to": "doc.cert_given_to",
            "statement": f"doc.cert_{f.role}_statement", "period": "doc.cert_period",
            "signer_title": "doc.cert_signer", "code": "doc.code", "verify": "doc.cert_verify"}
    return {name: t.text(Msg(key, params)) for name, key in keys.items()}


async def documents(t: Turn, state: State, args: str) -> State:
    """/dokumen [tahun]: the documents the person may have, one button each."""
    year = year_typed(args, t.today.year)
    if year is None:
        t.say("doc.usage", year=t.today.year)
        return state
    offers = await issuing.offers_for(t.s, t.specs, t.person, year, t.today, t.zone)
    lines = [Msg("doc.header", {"year": year})]
    lines += [describe(o.facts) for o in offers] or [Msg("doc.none")]
    buttons = [(Button(Msg("doc.get", {"what": describe(o.facts)}),
                       pack(GetDocument(KIND_CODES[o.kind], o.program.id, o.period))),) for o in offers]
    if BUNDLE_ROLES & t.person.roles:
        lines.append(Msg("doc.bundle_hint", {"unit": t.person.unit_name}))
        # This quarter's and the one before (whose documents are now complete).
        q = quarter_of(t.today)
        quarters = [(year, q), (year, q - 1) if q > 1 else (year - 1, 4)] if year == t.today.year \
            else [(year, 4)]
        buttons += [(Button(Msg("doc.bundle_button", {"roman": ROMAN[qq - 1], "year": yy}),
                            pack(UnitBundle(period_of_quarter(yy, qq)))),) for yy, qq in quarters]
    t.reply(Reply(tuple(lines), tuple(buttons)))
    return state


async def document_pressed(t: Turn, state: State, cb: GetDocument) -> State:
    """One document, issued (or the one issued before, if it states the
    same) and sent as PDF."""
    quarter = parse_quarter(cb.period)
    year = quarter[0] if quarter else t.today.year
    offers = await issuing.offers_for(t.s, t.specs, t.person, year, t.today, t.zone)
    offer = next((o for o in offers if (KIND_CODES[o.kind], o.program.id, o.period)
                  == (cb.kind, cb.program, cb.period)), None)
    if offer is None:
        t.say("doc.gone")
        return state
    issued = await issuing.issue(t.s, offer, t.now)
    content = await asyncio.to_thread(renderer(t, offer, issued.code))
    t.reply(Reply((Msg("doc.ready", {"what": describe(offer.facts),
                                     "code": format_code(issued.code)}),),
                  document=Document(filename(offer), content)))
    return state


async def bundle_pressed(t: Turn, state: State, cb: UnitBundle) -> State:
    """A PIC's ZIP of the unit's documents of a quarter: every Bukti
    Keterangan, and the certificates of programs completed in it."""
    if not BUNDLE_ROLES & t.person.roles:
        t.say("doc.bundle_not_allowed")
        return state
    quarter = parse_quarter(cb.period)
    if quarter is None:
        t.say("doc.gone")
        return state
    year, q = quarter
    people = await repo.documents.people_in_unit(t.s, t.person.unit_id)
    offers = await issuing.proofs(t.s, t.specs, people, year, [q])
    offers += [o for o in await issuing.certificates(t.s, t.specs, people, t.zone)
               if isinstance(o.facts, CertificateFacts)
               and (o.facts.last_day.year, quarter_of(o.facts.last_day)) == (year, q)]
    await repo.audit.record(t.s, t.person.id, "dokumen", Scope("unit_kerja", t.person.unit_id), cb.period,
                            t.now)
    about = {"unit": t.person.unit_name, "roman": ROMAN[q - 1], "year": year, "count": len(offers)}
    if not offers:
        t.say("doc.bundle_empty", **about)
        return state
    papers = [Paper(filename(o), renderer(t, o, (await issuing.issue(t.s, o, t.now)).code)) for o in offers]
    name = f"dokumen-{t.person.unit_name.lower().replace(' ', '-')}-tw{q}-{year}.zip"
    t.run(Reply((Msg("doc.bundle_start", about),)),
          Job(len(papers), name, partial(bundle, papers)))
    return state


async def verify(t: Turn, state: State, args: str) -> State:
    t.reply(Reply(tuple(await verification(t.s, args, t.zone))))
    return state


async def verification(s: AsyncSession, typed: str, zone: ZoneInfo) -> list[Msg]:
    """Whether a code is one Bina issued, whom and what it names, and
    whether a newer version replaced it."""
    if not typed.strip():
        return [Msg("verify.usage")]
    code = normalise_code(typed)
    issued = await repo.documents.by_code(s, code) if code else None
    if issued is None:
        return [Msg("verify.unknown", {"code": typed.strip()[:40]})]
    facts = _facts(issued.kind, issued.facts)
    holder = facts.pegawai if isinstance(facts, ProofFacts) else facts.holder
    lines = [Msg("verify.genuine", {"what": describe(facts), "nama": holder.nama,
                                    "nip": holder.nip, "unit": holder.unit,
                                    "day": issued.issued_at.astimezone(zone).date()})]
    if issued.replaced_by:
        lines.append(Msg("verify.replaced", {"code": format_code(issued.replaced_by)}))
    return lines
