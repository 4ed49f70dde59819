"""The audit log: every admin action, who, which scope, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from flows.access import Scope
from storage.models import AuditEntry, Employee, Unit
from storage.repo._base import _exec


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    nip: str
    nama: str
    action: str
    scope_kind: str
    scope_unit: str | None
    detail: str

    @property
    def scope(self) -> str:
        """As the log prints it: "unit_kerja Bagian Umum", "instansi"."""
        return self.scope_kind + (f" {self.scope_unit}" if self.scope_unit else "")


async def record(session: AsyncSession, employee_id: int, action: str, scope: Scope, detail: str,
                 now: datetime) -> None:
    await _exec(session, insert(AuditEntry).values(
        employee_id=employee_id, action=action, scope_kind=scope.kind, scope_unit_id=scope.unit_id,
        detail=detail[:200], at=now))


async def since(session: AsyncSession, start: datetime | None = None) -> list[Entry]:
    """The entries from `start` on (all of them without), oldest first."""
    unit = aliased(Unit)
    query = (select(AuditEntry.at, Employee.nip, Employee.nama, AuditEntry.action, AuditEntry.scope_kind,
                    unit.name, AuditEntry.detail)
             .join(Employee, AuditEntry.employee_id == Employee.id)
             .outerjoin(unit, AuditEntry.scope_unit_id == unit.id).order_by(AuditEntry.at, AuditEntry.id))
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    return [Entry(*row) for row in (await _exec(session, query)).all()]
