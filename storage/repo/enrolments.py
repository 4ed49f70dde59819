"""Enrolments: who takes part in which program, with which coach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flows.workflow import EnrolmentStatus
from storage.models import Employee, Enrolment
from storage.repo._base import Person, _exec, _insert, _listed, _person, _person_query
from storage.repo.people import people_by_ids

_ENROLMENTS = Enrolment.__table__


@dataclass(frozen=True, slots=True)
class EnrolmentRecord:
    id: int
    employee_id: int
    program: str
    cycle: int
    coach_id: int | None  # a chosen coach; None: the roster's
    mentor_id: int | None
    status: EnrolmentStatus
    reason: str | None
    requested_at: datetime | None


def _enrolment(r: Any) -> EnrolmentRecord:
    return EnrolmentRecord(r.id, r.employee_id, r.program, r.cycle, r.coach_id, r.mentor_id,
                           EnrolmentStatus(r.status), r.reason, r.requested_at)


async def enrolment_for_update(session: AsyncSession, enrolment_id: int) -> EnrolmentRecord | None:
    row = (await _exec(session, select(_ENROLMENTS).where(_ENROLMENTS.c.id == enrolment_id)
                       .with_for_update())).first()
    return _enrolment(row) if row else None


async def lock_enrolment(session: AsyncSession, employee_id: int, program: str, cycle: int,
                         now: datetime) -> EnrolmentRecord:
    """The person's enrolment, locked until the transaction ends; made active
    first if the program enrols everyone and this is its first use. Crediting
    JP under this lock is what keeps two sign-offs from both passing a cap."""
    await _exec(session, _insert(session, _ENROLMENTS).values(
        employee_id=employee_id, program=program, cycle=cycle, coach_id=None,
        status=EnrolmentStatus.ACTIVE.value, created_at=now, updated_at=now,
    ).on_conflict_do_nothing(index_elements=["employee_id", "program", "cycle"]))
    row = (await _exec(session, select(_ENROLMENTS).where(
        _ENROLMENTS.c.employee_id == employee_id, _ENROLMENTS.c.program == program,
        _ENROLMENTS.c.cycle == cycle,
    ).with_for_update())).one()
    return _enrolment(row)


# Built once: /isi reads a person's enrolments every time.
_ENROLMENTS_OF = select(_ENROLMENTS).where(_ENROLMENTS.c.employee_id == bindparam("employee_id")) \
    .order_by(_ENROLMENTS.c.cycle, _ENROLMENTS.c.id)


async def enrolments_of(session: AsyncSession, employee_id: int) -> list[EnrolmentRecord]:
    rows = await _exec(session, _ENROLMENTS_OF, {"employee_id": employee_id})
    return [_enrolment(r) for r in rows]


async def request_enrolment(session: AsyncSession, employee_id: int, program: str, cycle: int,
                            coach_id: int, now: datetime) -> EnrolmentRecord:
    """A request to the chosen coach; a declined or withdrawn request of the
    same cycle is asked again rather than duplicated."""
    await _exec(session, _insert(session, _ENROLMENTS).values(
        employee_id=employee_id, program=program, cycle=cycle, coach_id=coach_id,
        status=EnrolmentStatus.REQUESTED.value, requested_at=now, created_at=now, updated_at=now,
    ).on_conflict_do_update(index_elements=["employee_id", "program", "cycle"], set_={
        "coach_id": coach_id, "status": EnrolmentStatus.REQUESTED.value, "reason": None,
        "requested_at": now, "decided_at": None, "updated_at": now,
    }, where=_ENROLMENTS.c.status.in_([EnrolmentStatus.DECLINED.value, EnrolmentStatus.WITHDRAWN.value])))
    row = (await _exec(session, select(_ENROLMENTS).where(
        _ENROLMENTS.c.employee_id == employee_id, _ENROLMENTS.c.program == program,
        _ENROLMENTS.c.cycle == cycle,
    ).with_for_update())).one()
    return _enrolment(row)


async def set_enrolment_status(session: AsyncSession, enrolment_id: int, status: EnrolmentStatus,
                               now: datetime, reason: str | None = None) -> None:
    values: dict[str, Any] = {"status": status.value, "updated_at": now}
    if status is EnrolmentStatus.COMPLETED:
        values["completed_at"] = now
    else:
        values.update(decided_at=now, reason=reason)
    await _exec(session, update(Enrolment).where(Enrolment.id == enrolment_id).values(**values))


async def requests_for(session: AsyncSession, coach_id: int) -> list[tuple[EnrolmentRecord, Person]]:
    """Requests waiting for this coach's answer, oldest first."""
    rows = (await _exec(session, select(_ENROLMENTS).where(
        _ENROLMENTS.c.coach_id == coach_id, _ENROLMENTS.c.status == EnrolmentStatus.REQUESTED.value,
    ).order_by(_ENROLMENTS.c.requested_at))).all()
    people = await people_by_ids(session, {r.employee_id for r in rows})
    return [(_enrolment(r), people[r.employee_id]) for r in rows if r.employee_id in people]


async def chosen_coachees(session: AsyncSession, coach_id: int) -> list[tuple[EnrolmentRecord, Person]]:
    """People whose active enrolment names this person as their chosen coach."""
    rows = (await _exec(session, select(_ENROLMENTS).where(
        _ENROLMENTS.c.coach_id == coach_id,
        _ENROLMENTS.c.status.in_([EnrolmentStatus.ACTIVE.value, EnrolmentStatus.COMPLETED.value]),
    ).order_by(_ENROLMENTS.c.program, _ENROLMENTS.c.cycle))).all()
    people = await people_by_ids(session, {r.employee_id for r in rows})
    return [(_enrolment(r), people[r.employee_id]) for r in rows if r.employee_id in people]


async def people_with_role(session: AsyncSession, role: str, unit_utama_id: int | None,
                           unit_id: int) -> list[Person]:
    """Everyone with the roster role in the same unit utama (or unit kerja,
    for a unit without a parent), by name."""
    rows = await _exec(session, _person_query().where(_listed(Employee.roles, role)).order_by(Employee.nama))
    found = [_person(r) for r in rows]
    return [p for p in found
            if (p.unit_utama_id == unit_utama_id if unit_utama_id is not None else p.unit_id == unit_id)]


