"""The reminder tick and the checks at send time.

A tick reads everyone and where they stand, asks the pure policy
(`flows.reminders.due_reminders`) what is due, and queues what is new in
the outbox; it never sends. Ticks on several replicas, or after downtime,
queue each reminder once: the policy returns one reminder per stage or
period, and its key is unique in the outbox. At send time a reminder whose
form was done meanwhile, whose person left the program, or whose kind they
have since turned off, is dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from flows.callbacks import NewEntry, OpenActivity, Shortcut, Snooze, pack
from flows.messages import Button, Msg, Reply, msg_to_json
from flows.program import Status, cycles, is_done, open_to_all
from flows.program_spec import ProgramSpec
from flows.reminder_kinds import OPTIONAL_KINDS, rule_for, turned_off
from flows.reminders import Facts, Person, QuietHours, Reminder, Session, StatusKey, due_reminders
from flows.spec import SpecSet
from flows.workflow import LIVE_ENROLMENTS
from storage import repo
from storage.db import Database
from storage.repo.outbox import Claimed, Queued

QUIET = QuietHours()
_LIVE = tuple(e.value for e in LIVE_ENROLMENTS)


@dataclass(frozen=True, slots=True)
class Inputs:
    people: list[Person]
    statuses: dict[StatusKey, Status]
    facts: Facts


@dataclass(frozen=True, slots=True)
class TickReport:
    due: list[Reminder]
    queued: int


async def load_inputs(s: AsyncSession, specs: SpecSet, now: datetime) -> Inputs:
    """Everyone the policy needs to know about, in a few queries."""
    today = now.date()
    members = await repo.reminding.members(s)
    years = sorted({c for p in specs.programs.values() for c in cycles(p, today)} | {today.year})
    enrolled: dict[int, set[str]] = defaultdict(set)
    for person, program, _cycle, _coach in await repo.reminding.live_enrolments(s, years, _LIVE):
        enrolled[person].add(program)
    kerja_of = await repo.reminding.unit_kerja_of(s)
    people = []
    automatic: dict[frozenset[str], frozenset[str]] = {}  # by roster flags
    for m in members:
        if m.flags not in automatic:
            automatic[m.flags] = frozenset(p.id for p in specs.programs.values() if open_to_all(p, m.flags))
        programs = automatic[m.flags] | enrolled[m.id] if m.id in enrolled else automatic[m.flags]
        digest: set[int] = set()
        if "pic" in m.roles:
            digest.add(m.unit_kerja_id)
        if "koordinator" in m.roles and m.unit_utama_id is not None:
            digest.update(kerja_of.get(m.unit_utama_id, ()))
        people.append(Person(m.id, m.nama, str(m.unit_kerja_id), m.timezone, m.unit_timezone, m.coach_id,
                             programs, None, frozenset(str(u) for u in digest),
                             not m.reachable, m.muted))
    statuses: dict[StatusKey, Status] = {}
    submitted: dict[StatusKey, datetime] = {}
    for f in await repo.reminding.form_states(s, years):
        key = (f.employee_id, f.program, f.activity, f.year)
        statuses[key] = f.status
        if f.status is Status.SUBMITTED and f.submitted_at is not None:
            submitted[key] = f.submitted_at
    entries: dict[tuple[int, str, str], list[date]] = defaultdict(list)
    for person, program, activity, day in await repo.reminding.entry_days(s, date(today.year - 1, 1, 1)):
        entries[(person, program, activity)].append(day)
    sessions = [Session(x.id, x.employee_id, x.coach_id, x.program, x.activity, x.starts_at)
                for x in await repo.reminding.planned_sessions(s, now - timedelta(days=2))]
    for x in sessions:  # a scheduled session counts for a cadence like a logged one
        entries[(x.coachee, x.program, x.activity)].append(x.starts_at.date())
    return Inputs(people, statuses, Facts(submitted, entries, sessions))


FILL_NOW, REVIEW_NOW, OPEN_NOT_FILLED = (Msg("reminder.fill_now"), Msg("reminder.review_now"),
                                         Msg("reminder.open_not_filled"))


def _buttons(r: Reminder) -> tuple[tuple[Button, ...], ...]:
    """What a reminder lets the person do at once."""
    if r.kind.startswith("stage_window") and r.activity and "@" in r.subject and not r.kind.endswith(
            (".coach", ".coachees")):
        cycle = int(r.subject.rsplit("@", 1)[1])
        return ((Button(FILL_NOW, pack(OpenActivity(r.program, r.activity, r.recipient,
                                                                      cycle))),),)
    if r.kind == "cadence" and r.activity:
        return ((Button(FILL_NOW, pack(NewEntry(r.program, r.activity))),),)
    if r.kind == "coach_backlog" or r.kind.endswith((".coach", ".coachees")):
        return ((Button(REVIEW_NOW, pack(Shortcut("tinjau"))),),)
    if r.kind == "pic_digest":
        return ((Button(OPEN_NOT_FILLED, pack(Shortcut("belum_isi"))),),)
    return ()


def queued(r: Reminder, memo: dict[int, list[dict[str, object]]] | None = None) -> Queued:
    """The outbox row of a reminder. `memo` keeps the stored form of messages
    shared by many reminders (the policy hands the same Msg to everyone with
    the same stage, moment and day), for one tick."""
    memo = {} if memo is None else memo
    buttons = [[{"text": _memo(memo, b.text)[0], "data": b.data} for b in row] for row in _buttons(r)]
    payload = {"lines": _memo(memo, r.message), "buttons": buttons}
    return Queued(r.key, r.recipient, r.kind, payload, r.not_before, r.program, r.activity, r.subject)


def _memo(memo: dict[int, list[dict[str, object]]], msg: Msg) -> list[dict[str, object]]:
    if id(msg) not in memo:
        memo[id(msg)] = [msg_to_json(msg)]
    return memo[id(msg)]


async def due_now(db: Database, specs: SpecSet, now: datetime, *, quiet: QuietHours = QUIET,
                  default_timezone: str = "Asia/Jakarta") -> list[Reminder]:
    """What the policy says is due at `now`, queued or not (the preview's view)."""
    async with db.transaction() as s:
        inputs = await load_inputs(s, specs, now)
    return due_reminders(specs.programs.values(), inputs.people, inputs.statuses, now, facts=inputs.facts,
                         quiet=quiet, default_timezone=default_timezone)


async def tick(db: Database, specs: SpecSet, now: datetime, *, quiet: QuietHours = QUIET,
               default_timezone: str = "Asia/Jakarta") -> TickReport:
    """Queue every reminder due at `now` that is not queued yet."""
    due = await due_now(db, specs, now, quiet=quiet, default_timezone=default_timezone)
    async with db.transaction() as s:
        known = await repo.outbox.existing_keys(s, [r.key for r in due])
        memo: dict[int, list[dict[str, object]]] = {}
        fresh = [queued(r, memo) for r in due if r.key not in known]
        count = await repo.outbox.enqueue(s, fresh, now)
    return TickReport(due, count)


# --- at send time -------------------------------------------------------------------

def relevance(specs: SpecSet) -> Callable[[AsyncSession, Sequence[Claimed], datetime],
                                          Awaitable[dict[int, str]]]:
    """The sender's check: why each claimed reminder should no longer go out."""

    async def check(s: AsyncSession, rows: Sequence[Claimed], now: datetime) -> dict[int, str]:
        dropped: dict[int, str] = {}
        for row in rows:
            reason = await _stale(s, specs, row)
            if reason:
                dropped[row.id] = reason
        return dropped

    return check


def _coach_side(kind: str) -> bool:
    return kind.endswith((".coach", ".coachees"))


async def _stale(s: AsyncSession, specs: SpecSet, row: Claimed) -> str | None:
    if row.kind == "notice" or row.program is None:
        return None  # a notice tells of something that happened; it stays true
    program = specs.programs.get(row.program)
    if program is None:
        return "program_not_running"
    if row.kind.split(".")[0] in OPTIONAL_KINDS:
        muted = await repo.reminding.muted_of(s, row.employee_id)
        if turned_off(row.kind, muted, rule_for(program, row.kind, row.activity)):
            return "muted"  # turned off in /pengingat after it was queued
    if row.kind == "coach_backlog":
        return None if await repo.waiting_for(s, row.employee_id) else "nothing_waiting"
    if row.kind == "ingatkan" or (row.kind.startswith("stage_window") and not _coach_side(row.kind)):
        return await _stage_done(s, program, row)
    return None


async def _stage_done(s: AsyncSession, program: ProgramSpec, row: Claimed) -> str | None:
    """"left_program" or "form_done" when the stage reminder is moot."""
    if not row.subject or "@" not in row.subject or row.activity is None:
        return None
    cycle = int(row.subject.rsplit("@", 1)[1])
    person = await repo.person_by_id(s, row.employee_id)
    if person is None:
        return "left_program"
    requested = program.enrolment.mode != "automatic"
    taking = open_to_all(program, person.flags) or (requested and any(
        e.program == program.id and e.cycle == cycle and e.status in LIVE_ENROLMENTS
        for e in await repo.enrolments_of(s, person.id)))
    if not taking:
        return "left_program"
    record = (await repo.statuses(s, person.id, program.id, cycle)).get(row.activity)
    done = record is not None and (is_done(record.status) or record.status is Status.SUBMITTED)
    return "form_done" if done else None


def with_snooze(row: Claimed, reply: Reply) -> Reply:
    """Reminders get "Ingatkan besok" (once: a snoozed one does not)."""
    if row.kind == "notice" or row.snoozed:
        return reply
    return replace(reply, buttons=(*reply.buttons, (Button(Msg("reminder.snooze"), pack(Snooze(row.id))),)))
