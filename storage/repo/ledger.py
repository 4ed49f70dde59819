"""The JP ledger: lines are added, never changed; a correction reverses."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.jp import LedgerLine
from flows.messages import Msg
from storage.models import JpLine
from storage.repo._base import _exec

_LEDGER = JpLine.__table__


def _year(year: int) -> Any:
    return _LEDGER.c.day.between(date(year, 1, 1), date(year, 12, 31))


def _line(r: Any) -> LedgerLine:
    return LedgerLine(
        program=r.program, activity=r.activity, day=r.day, claimed=Decimal(r.claimed),
        base=Decimal(r.base), credited=Decimal(r.credited), rule=r.rule,
        reason=Msg(r.reason_key, {k: _revive(v) for k, v in (r.reason_params or {}).items()}),
        reverses=r.reverses, id=r.id,
    )


async def lines_of(session: AsyncSession, employee_id: int, year: int | None = None,
                   program: str | None = None) -> list[LedgerLine]:
    """A person's lines in the order they were written (a year's by the
    activity's date), for crediting the next one or listing them."""
    query = select(_LEDGER).where(_LEDGER.c.employee_id == employee_id)
    if year is not None:
        query = query.where(_year(year))
    if program is not None:
        query = query.where(_LEDGER.c.program == program)
    rows = await _exec(session, query.order_by(_LEDGER.c.id))
    return [_line(r) for r in rows]


async def add_line(session: AsyncSession, employee_id: int, submission_id: int | None,
                   line: LedgerLine, now: datetime) -> int:
    result = await _exec(session, insert(JpLine).values(
        employee_id=employee_id, program=line.program, activity=line.activity,
        submission_id=submission_id, day=line.day, claimed=line.claimed, base=line.base,
        credited=line.credited, rule=line.rule, reason_key=line.reason.key,
        reason_params={k: _plain(v) for k, v in line.reason.params.items()},
        reverses=line.reverses, created_at=now,
    ))
    (new_id,) = result.inserted_primary_key or (0,)
    return int(new_id)


def _plain(value: Any) -> Any:
    """Reason parameters as JSON keeps them (a nested reason stays a reason)."""
    if isinstance(value, Msg):
        return {"key": value.key, "params": {k: _plain(v) for k, v in value.params.items()}}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, date):
        return value.isoformat()
    return value


def _revive(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"key", "params"}:
        return Msg(value["key"], {k: _revive(v) for k, v in value["params"].items()})
    if isinstance(value, dict) and set(value) == {"decimal"}:
        return Decimal(value["decimal"])
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return date.fromisoformat(value)
    return value


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


async def jp_total(session: AsyncSession, employee_id: int, year: int) -> Decimal:
    """JP credited for activities dated in `year`; reversals net out."""
    total = (await _exec(session, select(func.coalesce(func.sum(_LEDGER.c.credited), 0)).where(
        _LEDGER.c.employee_id == employee_id, _year(year),
    ))).scalar_one()
    return Decimal(total).quantize(Decimal("0.1"))


async def lines_for_submission(session: AsyncSession, submission_id: int) -> list[LedgerLine]:
    rows = await _exec(session, select(_LEDGER).where(_LEDGER.c.submission_id == submission_id)
                       .order_by(_LEDGER.c.id))
    return [_line(r) for r in rows]
