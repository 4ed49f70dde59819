"""Forms: drafts, sending, decisions, and what waits for whom."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flows.program import Status
from storage.models import Employee, Enrolment, Submission
from storage.repo._base import (
    Person,
    SubmissionRecord,
    _coach_today,
    _exec,
    _person,
    _person_query,
    _record,
)

# --- submissions --------------------------------------------------------------------


_SUBMISSIONS = Submission.__table__
_STATUSES = select(_SUBMISSIONS).where(
    _SUBMISSIONS.c.employee_id == bindparam("e"), _SUBMISSIONS.c.program == bindparam("p"),
    _SUBMISSIONS.c.year == bindparam("y"),
)


async def submission_for_update(session: AsyncSession, submission_id: int) -> SubmissionRecord | None:
    query = select(_SUBMISSIONS).where(_SUBMISSIONS.c.id == submission_id).with_for_update()
    row = (await _exec(session, query)).first()
    return _record(row) if row else None


async def create_draft(
    session: AsyncSession, employee_id: int, program: str, activity: str, year: int,
    form_id: str, spec_version: int, now: datetime, answers: dict[str, str] | None = None,
    occurrence: int = 0,
) -> SubmissionRecord:
    """A form opened for the first time; `answers` are the ones it starts
    with (from the roster, or carried over from an earlier activity)."""
    values: dict[str, Any] = dict(
        employee_id=employee_id, program=program, activity=activity, year=year, form_id=form_id,
        spec_version=spec_version, answers=answers or {}, cursor=0, status=Status.NOT_STARTED.value,
        occurrence=occurrence, day=None,
        coach_id=None, review_comment=None, submitted_at=None, decided_at=None, late=False,
        created_at=now, updated_at=now,
    )
    conn = await session.connection()
    result = await conn.execute(insert(Submission).values(**values))
    (new_id,) = result.inserted_primary_key or (None,)
    return _record(SimpleNamespace(id=new_id, **values))


async def save_draft(
    session: AsyncSession, submission_id: int, answers: dict[str, str], cursor: int,
    spec_version: int, now: datetime, started: bool = True,
) -> None:
    """Keep a draft; a form becomes a draft with its first answer (one that
    was only opened stays not started, and so it is not shown as a draft)."""
    status = case({Status.NOT_STARTED.value: Status.DRAFT.value}, value=Submission.status,
                  else_=Submission.status) if started else Submission.status
    await _exec(session,
        update(Submission).where(Submission.id == submission_id)
        .values(answers=answers, cursor=cursor, spec_version=spec_version, updated_at=now,
                status=status)
    )


async def submit(
    session: AsyncSession, submission_id: int, answers: dict[str, str], coach_id: int | None,
    now: datetime, late: bool = False, day: date | None = None,
) -> None:
    await _exec(session,
        update(Submission).where(Submission.id == submission_id).values(
            answers=answers, status=Status.SUBMITTED.value, coach_id=coach_id,
            submitted_at=now, updated_at=now, late=late, day=day,
        )
    )


async def decide(
    session: AsyncSession, submission_id: int, status: Status, now: datetime,
    comment: str | None = None, answers: dict[str, str] | None = None,
) -> None:
    """Confirm or return a sent form; `answers` when the decider added
    their own part (a form filled by both)."""
    values: dict[str, Any] = {"status": status.value, "decided_at": now, "updated_at": now}
    if answers is not None:
        values["answers"] = answers
    if status is Status.RETURNED:
        values["review_comment"] = comment
    await _exec(session, update(Submission).where(Submission.id == submission_id).values(**values))


async def statuses(
    session: AsyncSession, employee_id: int, program: str, year: int
) -> dict[str, SubmissionRecord]:
    conn = await session.connection()
    rows = await conn.execute(_STATUSES, {"e": employee_id, "p": program, "y": year})
    return {r.activity: _record(r) for r in rows if r.occurrence == 0}


async def waiting_for(session: AsyncSession, coach_id: int) -> list[tuple[SubmissionRecord, Person]]:
    """Sent forms this person may have to sign, oldest first: as the coach
    chosen in the enrolment, the roster's coach, or the atasan (the caller
    checks which one the activity's spec names). Read as the roster and
    enrolments are today, so a form sent before a coach was recorded (or
    before a change of coach) reaches the right person."""
    rows = (await _exec(session, select(_SUBMISSIONS).join(
        Employee, Employee.id == _SUBMISSIONS.c.employee_id
    ).outerjoin(Enrolment, and_(
        Enrolment.employee_id == _SUBMISSIONS.c.employee_id, Enrolment.program == _SUBMISSIONS.c.program,
        Enrolment.cycle == _SUBMISSIONS.c.year,
    )).where(
        or_(func.coalesce(Enrolment.coach_id, _coach_today) == coach_id, Employee.atasan_id == coach_id),
        _SUBMISSIONS.c.status == Status.SUBMITTED.value,
    ).order_by(_SUBMISSIONS.c.submitted_at))).all()
    if not rows:
        return []
    people = {p.id: p for p in map(_person, await _exec(session, _person_query().where(
        Employee.id.in_({r.employee_id for r in rows})
    )))}
    return [(_record(r), people[r.employee_id]) for r in rows if r.employee_id in people]



async def returned_forms(session: AsyncSession, employee_id: int) -> list[SubmissionRecord]:
    """Forms sent back to this person for changes, of any year, oldest first."""
    rows = (await _exec(session, select(_SUBMISSIONS).where(
        _SUBMISSIONS.c.employee_id == employee_id, _SUBMISSIONS.c.status == Status.RETURNED.value,
    ).order_by(_SUBMISSIONS.c.year, _SUBMISSIONS.c.decided_at))).all()
    return [_record(r) for r in rows]


async def log_counts(session: AsyncSession, employee_id: int, program: str,
                     year: int) -> dict[str, dict[Status, int]]:
    """Entries of each log activity of the year, counted by status."""
    rows = await _exec(session, select(
        _SUBMISSIONS.c.activity, _SUBMISSIONS.c.status, func.count(),
    ).where(
        _SUBMISSIONS.c.employee_id == employee_id, _SUBMISSIONS.c.program == program,
        _SUBMISSIONS.c.year == year, _SUBMISSIONS.c.occurrence > 0,
    ).group_by(_SUBMISSIONS.c.activity, _SUBMISSIONS.c.status))
    counts: dict[str, dict[Status, int]] = {}
    for activity, status, n in rows:
        counts.setdefault(activity, {})[Status(status)] = int(n)
    return counts


async def next_occurrence(session: AsyncSession, employee_id: int, program: str, activity: str,
                          year: int) -> int:
    latest = (await _exec(session, select(func.coalesce(func.max(_SUBMISSIONS.c.occurrence), 0)).where(
        _SUBMISSIONS.c.employee_id == employee_id, _SUBMISSIONS.c.program == program,
        _SUBMISSIONS.c.activity == activity, _SUBMISSIONS.c.year == year,
    ))).scalar_one()
    return int(latest) + 1


async def open_entry(session: AsyncSession, employee_id: int, program: str,
                     activity: str) -> SubmissionRecord | None:
    """A log entry the person started and has not sent yet, to go on with."""
    row = (await _exec(session, select(_SUBMISSIONS).where(
        _SUBMISSIONS.c.employee_id == employee_id, _SUBMISSIONS.c.program == program,
        _SUBMISSIONS.c.activity == activity, _SUBMISSIONS.c.occurrence > 0,
        _SUBMISSIONS.c.status.in_([Status.NOT_STARTED.value, Status.DRAFT.value, Status.RETURNED.value]),
    ).order_by(_SUBMISSIONS.c.occurrence).limit(1))).first()
    return _record(row) if row else None


async def records_of(session: AsyncSession, employee_id: int) -> list[SubmissionRecord]:
    """Every form about this person that was sent, newest year first."""
    rows = await _exec(session, select(_SUBMISSIONS).where(
        _SUBMISSIONS.c.employee_id == employee_id,
        _SUBMISSIONS.c.status.in_([Status.SUBMITTED.value, Status.RETURNED.value, Status.CONFIRMED.value]),
    ).order_by(_SUBMISSIONS.c.year.desc(), _SUBMISSIONS.c.program, _SUBMISSIONS.c.submitted_at))
    return [_record(r) for r in rows]
