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

import gc
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
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
# A tick that queues this many rows refreshes the outbox's statistics.
BULK = 5000
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
    years = sorted({c for p in specs.programs.values() for c in cycles(p, today)} | {today.year})
    enrolled: dict[int, set[str]] = defaultdict(set)
    chosen: dict[int, dict[str, int]] = defaultdict(dict)  # coaches chosen for a program
    for person, program, _cycle, coach in await repo.reminding.live_enrolments(s, years, _LIVE):
        enrolled[person].add(program)
        if coach is not None:
            chosen[person][program] = coach
    kerja_of = await repo.reminding.unit_kerja_of(s)
    automatic: dict[frozenset[str], frozenset[str]] = {}  # by roster flags

    def programs_of(person: int, flags: frozenset[str]) -> frozenset[str]:
        if flags not in automatic:
            automatic[flags] = frozenset(p.id for p in specs.programs.values() if open_to_all(p, flags))
        return automatic[flags] | enrolled[person] if person in enrolled else automatic[flags]

    def digest_of(roles: frozenset[str], unit_kerja: int, unit_utama: int | None) -> frozenset[str]:
        """A PIC gets their unit's digest, a koordinator their unit utama's."""
        units = {unit_kerja} if "pic" in roles else set()
        if "koordinator" in roles and unit_utama is not None:
            units.update(kerja_of.get(unit_utama, ()))
        return frozenset(str(u) for u in units)

    people = [replace(p, coaches=chosen[p.id]) if p.id in chosen else p
              for p in await repo.reminding.people(s, programs_of, digest_of)]
    statuses, submitted = await repo.reminding.form_states(s, years)
    entries: dict[tuple[int, str, str], list[date]] = defaultdict(list)
    for person, program, activity, day in await repo.reminding.entry_days(s, date(today.year - 1, 1, 1)):
        entries[(person, program, activity)].append(day)
    sessions = [Session(x.id, x.employee_id, x.coach_id, x.program, x.activity, x.starts_at)
                for x in await repo.reminding.planned_sessions(s, now - timedelta(days=2))]
    for x in sessions:  # a scheduled session counts for a cadence like a logged one
        entries[(x.coachee, x.program, x.activity)].append(x.starts_at.date())
    return Inputs(people, statuses, Facts(submitted, entries, sessions))


@dataclass(slots=True)
class Known:
    """The keys this process's last tick found due, all of them in the
    outbox once it committed: the next tick asks the database only about
    the rest. Outbox rows are never deleted, so this memory may be short
    (another replica queued more), never wrong."""

    keys: set[str] = field(default_factory=set)


def queued(r: Reminder, memo: dict[int, dict[str, object]] | None = None) -> Queued:
    """The outbox row of a reminder. Its buttons follow from the row when it
    is sent (`actions`), so the payload is the message alone, and one
    payload serves everyone the policy handed the same Msg (same stage,
    moment and day) within a tick, kept in `memo`."""
    memo = {} if memo is None else memo
    payload = memo.get(id(r.message))
    if payload is None:
        payload = memo[id(r.message)] = {"lines": [msg_to_json(r.message)], "buttons": []}
    return Queued(r.key, r.recipient, r.kind, payload, r.not_before, r.program, r.activity, r.subject)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A tick allocates some hundreds of thousands of small objects (a Person
    and a Reminder per person) that live until it ends; the cyclic garbage
    collector, triggered by so many allocations, walks them again and again
    and costs more than the work itself (reading 100,000 people: 1.4 s with
    it, 0.55 s without). They form no cycles, so it waits for the tick."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def due_now(db: Database, specs: SpecSet, now: datetime, *, quiet: QuietHours = QUIET,
                  default_timezone: str = "Asia/Jakarta") -> list[Reminder]:
    """What the policy says is due at `now`, queued or not (the preview's view)."""
    with _collector_paused():
        return await _due(db, specs, now, quiet, default_timezone)


async def _due(db: Database, specs: SpecSet, now: datetime, quiet: QuietHours,
               default_timezone: str) -> list[Reminder]:
    async with db.transaction() as s:
        inputs = await load_inputs(s, specs, now)
    return due_reminders(specs.programs.values(), inputs.people, inputs.statuses, now, facts=inputs.facts,
                         quiet=quiet, default_timezone=default_timezone)


async def tick(db: Database, specs: SpecSet, now: datetime, *, quiet: QuietHours = QUIET,
               default_timezone: str = "Asia/Jakarta", known: Known | None = None) -> TickReport:
    """Queue every reminder due at `now` that is not queued yet. A `known`
    carried from tick to tick spares asking the database about keys the
    previous tick saw queued."""
    with _collector_paused():
        return await _queue_due(db, specs, now, quiet, default_timezone, known)


async def _queue_due(db: Database, specs: SpecSet, now: datetime, quiet: QuietHours, default_timezone: str,
                     known: Known | None) -> TickReport:
    due = await _due(db, specs, now, quiet, default_timezone)
    remembered = known.keys if known is not None else set()
    unsure = [r for r in due if r.key not in remembered]
    async with db.transaction() as s:
        queued_already = await repo.outbox.existing_keys(s, [r.key for r in unsure])
        memo: dict[int, dict[str, object]] = {}
        count = await repo.outbox.enqueue(s, [queued(r, memo) for r in unsure if r.key not in queued_already],
                                          now)
    if count >= BULK:
        async with db.transaction() as s:
            await repo.outbox.refresh_statistics(s)
    if known is not None:
        known.keys = {r.key for r in due}
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
    if row.kind in ("cadence", "cadence.coach") and row.activity is not None and row.subject:
        # The coach's is about a coachee: "<coachee id>/<period>".
        coachee = row.employee_id if row.kind == "cadence" else int(row.subject.split("/", 1)[0])
        return await _entry_logged(s, program, row.activity, coachee, row.created_at)
    if row.kind == "ingatkan" and _is_log(program, row.activity):
        return await _entry_logged(s, program, row.activity or "", row.employee_id, row.created_at)
    if row.kind == "ingatkan" or (row.kind.startswith("stage_window") and not _coach_side(row.kind)):
        return await _stage_done(s, program, row)
    return None


def _is_log(program: ProgramSpec, activity: str | None) -> bool:
    found = program.find(activity) if activity else None
    return found is not None and found.schedule.kind == "log"


async def _entry_logged(s: AsyncSession, program: ProgramSpec, activity: str, person: int,
                        since: datetime) -> str | None:
    """"entry_logged" when a log's reminder is moot: an entry begun (or a
    session of it planned) since the reminder was queued."""
    logged = await repo.reminding.recorded_since(s, person, program.id, activity, since)
    return "entry_logged" if logged else None


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


FILL_NOW, REVIEW_NOW, OPEN_NOT_FILLED, SEE_COACHEES = (
    Msg("reminder.fill_now"), Msg("reminder.review_now"), Msg("reminder.open_not_filled"),
    Msg("reminder.see_coachees"))


def actions(row: Claimed, reply: Reply) -> Reply:
    """The reply with what a reminder lets its reader do at once, worked out
    from the row when it is sent: open the form, review, see who has not
    filled in; and "Ingatkan besok" (once: a snoozed copy does not get it).
    A notice carries its own buttons."""
    if row.kind == "notice":
        return reply
    extra = _buttons(row.kind, row.program, row.activity, row.subject, row.employee_id)
    if not row.snoozed:
        extra = (*extra, (Button(Msg("reminder.snooze"), pack(Snooze(row.id))),))
    return replace(reply, buttons=(*reply.buttons, *extra))


def _buttons(kind: str, program: str | None, activity: str | None, subject: str | None,
             recipient: int) -> tuple[tuple[Button, ...], ...]:
    if kind.endswith(".coachees"):  # a stage opened for the coach's coachees: nothing to review yet
        return ((Button(SEE_COACHEES, pack(Shortcut("coachee"))),),)
    if _coach_side(kind) or kind == "coach_backlog":
        return ((Button(REVIEW_NOW, pack(Shortcut("tinjau"))),),)
    if kind == "pic_digest":
        return ((Button(OPEN_NOT_FILLED, pack(Shortcut("belum_isi"))),),)
    if program is None or activity is None:
        return ()
    if kind == "cadence":
        return ((Button(FILL_NOW, pack(NewEntry(program, activity))),),)
    if (kind.startswith("stage_window") or kind == "ingatkan") and subject and "@" in subject:
        cycle = int(subject.rsplit("@", 1)[1])
        return ((Button(FILL_NOW, pack(OpenActivity(program, activity, recipient, cycle))),),)
    return ()
