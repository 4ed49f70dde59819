"""The outbox: messages Bina starts, queued in the caller's transaction and
claimed by senders.

Queueing is idempotent by key (INSERT ... ON CONFLICT DO NOTHING). Claiming
is atomic: one UPDATE ... RETURNING over rows picked with FOR UPDATE SKIP
LOCKED on PostgreSQL (so two senders never take the same row); SQLite has
one writer, and the same UPDATE claims under its lock. A claim is a lease:
a row left `sending` by a sender that died is claimed again once the lease
has run out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ARRAY, String, and_, any_, bindparam, exists, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Employee, OutboxMessage
from storage.repo._base import _exec, _insert

PENDING, SENDING, SENT, DROPPED, FAILED = "pending", "sending", "sent", "dropped", "failed"
# The key of a snoozed reminder's second copy ends with this.
LATER = "#later"
# Keys per lookup: well under SQLite's 32,766 bound parameters.
_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Queued:
    """A message to queue: who gets it, under which idempotency key, when."""

    key: str
    employee_id: int
    kind: str
    payload: dict[str, Any]
    not_before: datetime
    program: str | None = None
    activity: str | None = None
    subject: str | None = None
    snoozed: bool = False


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row a sender now holds, with what it needs to deliver it."""

    id: int
    key: str
    employee_id: int
    kind: str
    program: str | None
    activity: str | None
    subject: str | None
    payload: dict[str, Any]
    attempts: int
    snoozed: bool
    created_at: datetime  # when it was queued
    telegram_id: int | None
    locale: str | None


@dataclass(frozen=True, slots=True)
class Waiting:
    """A reminder queued for someone and not yet sent."""

    kind: str
    program: str | None
    activity: str | None
    not_before: datetime


@dataclass(frozen=True, slots=True)
class OutboxStats:
    counts: dict[str, int]
    # How long the oldest message that is due has waited; None when none waits.
    oldest_pending: timedelta | None


async def enqueue(session: AsyncSession, rows: Iterable[Queued], now: datetime) -> int:
    """Queue the rows whose key is new; returns how many were queued."""
    values = [{
        "key": r.key, "employee_id": r.employee_id, "kind": r.kind, "program": r.program,
        "activity": r.activity, "subject": r.subject, "payload": r.payload, "not_before": r.not_before,
        "status": PENDING, "attempts": 0, "snoozed": r.snoozed, "created_at": now,
    } for r in rows]
    if not values:
        return 0
    statement = (_insert(session, OutboxMessage).on_conflict_do_nothing(index_elements=["key"])
                 .returning(OutboxMessage.id))
    queued = len((await _exec(session, statement, values)).all())
    return queued


async def refresh_statistics(session: AsyncSession) -> None:
    """Bring PostgreSQL's statistics of the outbox up to date after a large
    enqueue. Autovacuum would, but a minute or more later; until then the
    planner takes the 100,000 rows of a quarter opening for a handful and
    scans the table for every key another replica's tick looks up (measured:
    minutes instead of a second). SQLite's plans do not depend on them."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await _exec(session, text("ANALYZE outbox"))


async def existing_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of these keys are queued already (in any status)."""
    postgres = session.bind is not None and session.bind.dialect.name == "postgresql"
    found: set[str] = set()
    for i in range(0, len(keys), _CHUNK):
        chunk = list(keys[i:i + _CHUNK])
        # PostgreSQL takes the keys as one array: one statement prepared once,
        # where an IN list of thousands is planned anew for every chunk.
        match = (OutboxMessage.key == any_(bindparam("keys", chunk, type_=ARRAY(String))) if postgres
                 else OutboxMessage.key.in_(chunk))
        found.update((await _exec(session, select(OutboxMessage.key).where(match))).scalars())
    return found


async def claim(session: AsyncSession, now: datetime, limit: int, lease: timedelta) -> list[Claimed]:
    """Take up to `limit` due rows, oldest first, for `lease`. A person whose
    message another sender holds is left to that sender, so one chat's
    messages go out in order and at its pace."""
    busy = aliased(OutboxMessage)
    held_elsewhere = exists().where(busy.employee_id == OutboxMessage.employee_id,
                                    busy.status == SENDING, busy.lease_until >= now)
    due = or_(and_(OutboxMessage.status == PENDING, OutboxMessage.not_before <= now),
              and_(OutboxMessage.status == SENDING, OutboxMessage.lease_until < now))
    picked = (select(OutboxMessage.id).where(due, ~held_elsewhere)
              .order_by(OutboxMessage.not_before, OutboxMessage.id).limit(limit)
              .with_for_update(skip_locked=True))
    statement = (update(OutboxMessage).where(OutboxMessage.id.in_(picked.scalar_subquery()))
                 .values(status=SENDING, lease_until=now + lease, attempts=OutboxMessage.attempts + 1)
                 .returning(OutboxMessage.id, OutboxMessage.key, OutboxMessage.employee_id,
                            OutboxMessage.kind, OutboxMessage.program, OutboxMessage.activity,
                            OutboxMessage.subject, OutboxMessage.payload, OutboxMessage.attempts,
                            OutboxMessage.snoozed, OutboxMessage.created_at, OutboxMessage.not_before))
    rows = sorted((await _exec(session, statement)).all(), key=lambda r: (r.not_before, r.id))
    if not rows:
        return []
    chats = {r.id: (r.telegram_id, r.locale) for r in (await _exec(session, select(
        Employee.id, Employee.telegram_id, Employee.locale
    ).where(Employee.id.in_({r.employee_id for r in rows})))).all()}
    return [Claimed(r.id, r.key, r.employee_id, r.kind, r.program, r.activity, r.subject, r.payload,
                    r.attempts, r.snoozed, r.created_at, *chats.get(r.employee_id, (None, None)))
            for r in rows]


async def finish(session: AsyncSession, row_id: int, status: str, now: datetime,
                 reason: str | None = None) -> None:
    """End a claimed row: sent, dropped (no longer relevant) or failed."""
    await _exec(session, update(OutboxMessage).where(OutboxMessage.id == row_id).values(
        status=status, reason=reason, lease_until=None, finished_at=now))


async def retry_later(session: AsyncSession, row_id: int, not_before: datetime, reason: str) -> None:
    """Hand a claimed row back to be sent at `not_before` (flood control, a network error)."""
    await _exec(session, update(OutboxMessage).where(OutboxMessage.id == row_id).values(
        status=PENDING, not_before=not_before, reason=reason, lease_until=None))


async def stats(session: AsyncSession, now: datetime) -> OutboxStats:
    counts = {status: int(n) for status, n in (await _exec(session, select(
        OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all()}
    oldest = (await _exec(session, select(func.min(OutboxMessage.not_before)).where(
        OutboxMessage.status.in_((PENDING, SENDING)), OutboxMessage.not_before <= now))).scalar_one()
    return OutboxStats(counts, now - oldest if oldest is not None else None)


async def snooze(session: AsyncSession, row_id: int, employee_id: int, until: datetime,
                 now: datetime) -> bool | None:
    """Queue a reminder the person got once more at `until`; False if it was
    snoozed already, None if it is not theirs (or not a reminder)."""
    row = (await _exec(session, select(OutboxMessage).where(
        OutboxMessage.id == row_id, OutboxMessage.employee_id == employee_id).with_for_update())).first()
    if row is None or row.kind == "notice":
        return None
    if row.snoozed:
        return False
    await _exec(session, update(OutboxMessage).where(OutboxMessage.id == row_id).values(snoozed=True))
    await enqueue(session, [Queued(f"{row.key}{LATER}", employee_id, row.kind, row.payload, until,
                                   row.program, row.activity, row.subject, snoozed=True)], now)
    return True


async def waiting_for(session: AsyncSession, employee_id: int) -> list[Waiting]:
    """The person's reminders not yet sent (notices go out at once), soonest first."""
    rows = (await _exec(session, select(
        OutboxMessage.kind, OutboxMessage.program, OutboxMessage.activity, OutboxMessage.not_before,
    ).where(OutboxMessage.employee_id == employee_id, OutboxMessage.status.in_((PENDING, SENDING)),
            OutboxMessage.kind != "notice").order_by(OutboxMessage.not_before, OutboxMessage.id))).all()
    return [Waiting(k, p, a, at) for k, p, a, at in rows]
