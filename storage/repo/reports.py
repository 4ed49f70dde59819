"""Quarterly recaps a koordinator sends to the pembina, and their verification."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Employee, RecapReport, Unit
from storage.repo._base import _exec, _insert, _listed


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    program: str
    stage: str
    unit: str  # the unit utama's name
    period: str
    sender: str
    sender_id: int
    units: list[tuple[str, int, int]]  # (unit kerja, done, total) when it was sent
    sent_at: datetime
    verified_by: str | None
    verified_at: datetime | None


async def send(session: AsyncSession, program: str, stage: str, unit_id: int, period: str, sender_id: int,
               units: Sequence[tuple[str, int, int]], now: datetime) -> tuple[int, bool]:
    """Record the recap, once per program, stage, unit utama and quarter:
    (its id, whether this call recorded it)."""
    new = (await _exec(session, _insert(session, RecapReport).values(
        program=program, stage=stage, unit_id=unit_id, period=period, sender_id=sender_id,
        counts={"units": [list(u) for u in units]}, sent_at=now,
    ).on_conflict_do_nothing(index_elements=["program", "stage", "unit_id", "period"])
        .returning(RecapReport.id))).scalar()
    if new is not None:
        return int(new), True
    found = (await _exec(session, select(RecapReport.id).where(
        RecapReport.program == program, RecapReport.stage == stage, RecapReport.unit_id == unit_id,
        RecapReport.period == period))).scalar_one()
    return int(found), False


async def reports(session: AsyncSession, ids: Sequence[int] | None = None,
                  limit: int | None = None) -> list[Report]:
    """The recaps sent (these, or all; the newest `limit`), newest first."""
    sender, verifier = aliased(Employee), aliased(Employee)
    query = (select(RecapReport.id, RecapReport.program, RecapReport.stage, Unit.name, RecapReport.period,
                    sender.nama, RecapReport.sender_id, RecapReport.counts, RecapReport.sent_at,
                    verifier.nama, RecapReport.verified_at)
             .join(Unit, RecapReport.unit_id == Unit.id).join(sender, RecapReport.sender_id == sender.id)
             .outerjoin(verifier, RecapReport.verified_by == verifier.id)
             .order_by(RecapReport.sent_at.desc(), RecapReport.id.desc()))
    if ids is not None:
        query = query.where(RecapReport.id.in_(ids))
    if limit is not None:
        query = query.limit(limit)
    return [Report(i, program, stage, unit, period, by, by_id, [(u, d, t) for u, d, t in counts["units"]], at,
                   checked, verified_at)
            for i, program, stage, unit, period, by, by_id, counts, at, checked, verified_at
            in (await _exec(session, query)).all()]


async def verify(session: AsyncSession, report_id: int, employee_id: int, now: datetime) -> bool:
    """Mark a recap verified; False if it was already (or does not exist)."""
    done = await _exec(session, update(RecapReport).where(
        RecapReport.id == report_id, RecapReport.verified_at.is_(None)).values(verified_by=employee_id,
                                                                               verified_at=now))
    return bool(done.rowcount)


async def pembina(session: AsyncSession) -> list[int]:
    """Everyone the roster names pembina."""
    found = await _exec(session, select(Employee.id).where(_listed(Employee.roles, "pembina")))
    return list(found.scalars())
