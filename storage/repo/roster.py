"""Importing the roster: units from their names, employees by NIP."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.roster import RosterRow
from storage.models import Employee, Unit
from storage.repo._base import (
    _exec,
)

# --- roster -------------------------------------------------------------------------


async def existing_nips(session: AsyncSession) -> set[str]:
    return set((await _exec(session, select(Employee.nip))).scalars())


async def _unit(session: AsyncSession, cache: dict[tuple[int | None, str], int],
                name: str, parent_id: int | None) -> int:
    key = (parent_id, name)
    if key not in cache:
        where = Unit.parent_id.is_(None) if parent_id is None else Unit.parent_id == parent_id
        found = (await _exec(session, select(Unit.id).where(where, Unit.name == name))).scalar()
        if found is None:
            unit = Unit(name=name, parent_id=parent_id)
            session.add(unit)
            await session.flush()
            found = unit.id
        cache[key] = found
    return cache[key]


async def upsert_roster(
    session: AsyncSession, rows: Iterable[RosterRow], now: datetime
) -> tuple[int, int]:
    """Create or update employees by NIP; units are created from their names.
    Returns (created, updated)."""
    rows = list(rows)
    units: dict[tuple[int | None, str], int] = {}
    # Whole table: a roster covers most of the instansi, and one query beats
    # thousands of bound parameters.
    by_nip = {e.nip: e for e in (await session.execute(select(Employee))).scalars()}
    created = updated = 0
    for r in rows:
        utama = await _unit(session, units, r.unit_utama, None)
        kerja = await _unit(session, units, r.unit_kerja, utama)
        values = dict(
            nama=r.nama, jabatan=r.jabatan, pangkat_golongan=r.pangkat_golongan, level=r.level,
            unit_id=kerja, phone=r.phone, email=r.email, roles=",".join(sorted(r.roles)),
            flags=",".join(sorted(r.flags)),
            timezone=r.timezone, updated_at=now,
        )
        emp = by_nip.get(r.nip)
        if emp is None:
            emp = Employee(nip=r.nip, created_at=now, **values)
            session.add(emp)
            by_nip[r.nip] = emp
            created += 1
        else:
            for k, v in values.items():
                setattr(emp, k, v)
            updated += 1
    await session.flush()
    # Second pass: superiors may appear later in the file than their staff.
    for r in rows:
        emp = by_nip[r.nip]
        emp.atasan_id = by_nip[r.nip_atasan].id if r.nip_atasan else None
        emp.penilai_id = by_nip[r.nip_penilai].id if r.nip_penilai else None
    await session.flush()
    return created, updated
