"""What the reminder tick reads: everyone in a few set-based queries (an
instansi of 100,000 is read in one pass, never person by person)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import and_, case, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from flows.program import Status
from flows.reminder_facts import Person, StatusKey
from storage.models import Employee, Enrolment, ScheduledSession, Submission, Unit
from storage.repo._base import _exec

_NONE: frozenset[str] = frozenset()
_STATUS = {s.value: s for s in Status}


def _set(text: str | None) -> frozenset[str]:
    return frozenset(x for x in text.split(",") if x) if text else _NONE


async def people(session: AsyncSession, programs_of: Callable[[int, frozenset[str]], frozenset[str]],
                 digest_of: Callable[[frozenset[str], int, int | None], frozenset[str]]) -> list[Person]:
    """Everyone as the reminder policy sees them, in one pass (an instansi
    of 100,000 is read in well under a second): `programs_of(id, roster
    flags)` names the programs someone takes part in, `digest_of(roles,
    unit kerja, unit utama)` the units whose digest they get. The coach is
    the roster's: penilai, else atasan; the zone their own, else the unit
    kerja's, else the unit utama's; reachable when linked and not blocked."""
    uk, uu = aliased(Unit), aliased(Unit)
    rows = (await _exec(session, select(
        Employee.id, Employee.nama, Employee.unit_id, uk.parent_id, Employee.timezone, uk.timezone,
        uu.timezone, Employee.penilai_id, Employee.atasan_id, Employee.roles, Employee.flags,
        and_(Employee.telegram_id.is_not(None), Employee.blocked_at.is_(None)), Employee.muted,
    ).join(uk, Employee.unit_id == uk.id).outerjoin(uu, uk.parent_id == uu.id))).all()
    return [Person(i, nama, str(unit), tz, uk_tz or uu_tz, penilai or atasan, programs_of(i, _set(flags)),
                   None, digest_of(_set(roles), unit, parent) if roles else _NONE,
                   not reachable, _set(muted))
            for (i, nama, unit, parent, tz, uk_tz, uu_tz, penilai, atasan, roles, flags, reachable,
                 muted) in rows]


async def unit_kerja_of(session: AsyncSession) -> dict[int, list[int]]:
    """Each unit utama's unit kerja."""
    found: dict[int, list[int]] = {}
    for unit_id, parent in (await _exec(session, select(Unit.id, Unit.parent_id)
                                        .where(Unit.parent_id.is_not(None)))).all():
        found.setdefault(parent, []).append(unit_id)
    return found


async def live_enrolments(session: AsyncSession, cycles: Sequence[int],
                          statuses: Sequence[str]) -> list[tuple[int, str, int, int | None]]:
    """(person, program, cycle, chosen coach) of the enrolments in these statuses."""
    rows = (await _exec(session, select(
        Enrolment.employee_id, Enrolment.program, Enrolment.cycle, Enrolment.coach_id,
    ).where(Enrolment.cycle.in_(cycles), Enrolment.status.in_(statuses)))).all()
    return [(e, p, c, coach) for e, p, c, coach in rows]


async def form_states(session: AsyncSession, years: Sequence[int]
                      ) -> tuple[dict[StatusKey, Status], dict[StatusKey, datetime]]:
    """The status of each scheduled activity's form (not log entries) of
    these cycles, and when those waiting for review were submitted (the
    backlog's clock; only theirs, which spares parsing a time for every
    completed form)."""
    waiting_since = case((Submission.status == Status.SUBMITTED.value, Submission.submitted_at))
    rows = (await _exec(session, select(
        Submission.employee_id, Submission.program, Submission.activity, Submission.year,
        Submission.status, type_coerce(waiting_since, Submission.submitted_at.type),
    ).where(Submission.year.in_(years), Submission.occurrence == 0))).all()
    statuses = {(e, p, a, y): _STATUS[st] for e, p, a, y, st, _at in rows}
    return statuses, {(e, p, a, y): at for e, p, a, y, _st, at in rows if at is not None}


async def entry_days(session: AsyncSession, since: date) -> list[tuple[int, str, str, date]]:
    """(person, program, activity, day) of log entries sent since a day."""
    rows = (await _exec(session, select(
        Submission.employee_id, Submission.program, Submission.activity, Submission.day,
    ).where(Submission.occurrence > 0, Submission.day >= since))).all()
    return [(e, p, a, d) for e, p, a, d in rows]


async def planned_sessions(session: AsyncSession, after: datetime) -> list[ScheduledSession]:
    rows = (await _exec(session, select(ScheduledSession).where(
        ScheduledSession.status == "planned", ScheduledSession.starts_at > after))).all()
    return [ScheduledSession(**r._mapping) for r in rows]


async def recorded_since(session: AsyncSession, employee_id: int, program: str, activity: str,
                         since: datetime) -> bool:
    """Whether the person began a log entry of the activity, or scheduled a
    session of it, at or after `since`."""
    entry = select(Submission.id).where(
        Submission.employee_id == employee_id, Submission.program == program, Submission.activity == activity,
        Submission.occurrence > 0, Submission.created_at >= since)
    planned = select(ScheduledSession.id).where(
        ScheduledSession.employee_id == employee_id, ScheduledSession.program == program,
        ScheduledSession.activity == activity, ScheduledSession.created_at >= since)
    return bool((await _exec(session, select(entry.exists() | planned.exists()))).scalar_one())


async def set_muted(session: AsyncSession, employee_id: int, muted: frozenset[str]) -> None:
    await _exec(session, update(Employee).where(Employee.id == employee_id)
                .values(muted=",".join(sorted(muted))))


async def muted_of(session: AsyncSession, employee_id: int) -> frozenset[str]:
    return _set((await _exec(session, select(Employee.muted).where(Employee.id == employee_id))).scalar())
