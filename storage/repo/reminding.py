"""What the reminder tick reads: everyone in a few set-based queries (an
instansi of 100,000 is read in one pass, never person by person)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from flows.program import Status
from storage.models import Employee, Enrolment, ScheduledSession, Submission, Unit
from storage.repo._base import _exec


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    nama: str
    unit_kerja_id: int
    unit_utama_id: int | None
    timezone: str | None  # own
    unit_timezone: str | None  # the unit kerja's, else the unit utama's
    coach_id: int | None  # the roster's: penilai, else atasan
    roles: frozenset[str]
    flags: frozenset[str]
    reachable: bool  # linked and not blocked
    muted: frozenset[str]


@dataclass(frozen=True, slots=True)
class FormState:
    employee_id: int
    program: str
    activity: str
    year: int
    status: Status
    submitted_at: datetime | None


_NONE: frozenset[str] = frozenset()
_STATUS = {s.value: s for s in Status}


def _set(text: str | None) -> frozenset[str]:
    return frozenset(x for x in text.split(",") if x) if text else _NONE


async def members(session: AsyncSession) -> list[Member]:
    uk, uu = aliased(Unit), aliased(Unit)
    rows = (await _exec(session, select(
        Employee.id, Employee.nama, Employee.unit_id, uk.parent_id, Employee.timezone, uk.timezone,
        uu.timezone, Employee.penilai_id, Employee.atasan_id, Employee.roles, Employee.flags,
        Employee.telegram_id, Employee.blocked_at, Employee.muted,
    ).join(uk, Employee.unit_id == uk.id).outerjoin(uu, uk.parent_id == uu.id))).all()
    return [Member(i, nama, unit, parent, tz, uk_tz or uu_tz, penilai or atasan, _set(roles), _set(flags),
                   telegram is not None and blocked is None, _set(muted))
            for (i, nama, unit, parent, tz, uk_tz, uu_tz, penilai, atasan, roles, flags, telegram, blocked,
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


async def form_states(session: AsyncSession, years: Sequence[int]) -> list[FormState]:
    """The scheduled activities' forms (not log entries) of these cycles."""
    rows = (await _exec(session, select(
        Submission.employee_id, Submission.program, Submission.activity, Submission.year,
        Submission.status, Submission.submitted_at,
    ).where(Submission.year.in_(years), Submission.occurrence == 0))).all()
    return [FormState(e, p, a, y, _STATUS[st], at) for e, p, a, y, st, at in rows]


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


async def set_muted(session: AsyncSession, employee_id: int, muted: frozenset[str]) -> None:
    await _exec(session, update(Employee).where(Employee.id == employee_id)
                .values(muted=",".join(sorted(muted))))


async def muted_of(session: AsyncSession, employee_id: int) -> frozenset[str]:
    return _set((await _exec(session, select(Employee.muted).where(Employee.id == employee_id))).scalar())
