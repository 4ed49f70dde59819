"""Status and counts for PICs, koordinator and pembina; never answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from flows.access import Scope
from flows.program import Status
from storage.models import Employee, Submission, Unit
from storage.repo._base import (
    _coach_today,
    _exec,
    _UnitKerja,
)


@dataclass(frozen=True, slots=True)
class PendingRow:
    nip: str
    nama: str
    jabatan: str
    unit_name: str
    status: Status
    late: bool = False
    has_coach: bool = True
    # The stage's own form is confirmed; a part of the stage (the coach's evaluation) is not.
    parts_missing: bool = False


# --- monitoring -------------------------------------------------------------------


def _scope_filter(scope: Scope) -> Any:
    if scope.kind == "unit_kerja":
        return Employee.unit_id == scope.unit_id
    if scope.kind == "unit_utama":
        return _UnitKerja.parent_id == scope.unit_id
    return True


async def not_completed(
    session: AsyncSession, scope: Scope, program: str, activity: str, year: int,
    parts: Sequence[str] = (),
) -> tuple[list[PendingRow], int]:
    """Employees in scope who have not completed a stage, with how far they
    got, and the number of employees in scope. Status only, never answers.
    A stage with `parts` (the coach's evaluation of the Evaluasi stage) is
    complete when they are confirmed too; the status shown is the stage's own."""
    parts_done = select(func.count()).where(
        Submission.employee_id == Employee.id, Submission.program == program, Submission.year == year,
        Submission.activity.in_(parts), Submission.status == Status.CONFIRMED.value,
    ).correlate(Employee).scalar_subquery() if parts else None
    own = aliased(Submission)
    query = (
        select(Employee.nip, Employee.nama, Employee.jabatan, _UnitKerja.name, own.status,
               own.late, _coach_today, parts_done if parts_done is not None else literal(0))
        .join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
        .outerjoin(own, and_(
            own.employee_id == Employee.id, own.program == program,
            own.activity == activity, own.year == year,
        ))
        .where(_scope_filter(scope))
    )
    unfinished = own.status.is_(None) | (own.status != Status.CONFIRMED.value)
    if parts_done is not None:
        unfinished = unfinished | (parts_done < len(parts))
    query = query.where(unfinished).order_by(_UnitKerja.name, Employee.nama, Employee.nip)
    rows = [
        PendingRow(nip, nama, jabatan, unit, Status(status) if status else Status.NOT_STARTED,
                   bool(late), coach is not None, status == Status.CONFIRMED.value and done < len(parts))
        for nip, nama, jabatan, unit, status, late, coach, done in (await _exec(session, query)).all()
    ]
    total = (await _exec(session,
        select(func.count(Employee.id)).join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
        .where(_scope_filter(scope))
    )).scalar_one()
    return rows, int(total)


async def unit_names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    rows = (await _exec(session, select(Unit.id, Unit.name).where(Unit.id.in_(ids)))).all()
    return {i: n for i, n in rows}
