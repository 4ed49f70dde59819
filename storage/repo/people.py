"""People, their invitations and their conversation rows."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, Employee, Invite
from storage.repo._base import (
    Person,
    _exec,
    _insert,
    _one_person,
    _person,
    _person_query,
    _UnitKerja,
    _UnitUtama,
)

# --- people ---------------------------------------------------------------------


async def person_by_telegram(session: AsyncSession, telegram_id: int) -> Person | None:
    return await _one_person(session, Employee.telegram_id == telegram_id)


# Built once: a person is read by id in most handlers (the coach, the coachee).
_PERSON_BY_ID = _person_query().where(Employee.id == bindparam("employee_id"))


async def person_by_id(session: AsyncSession, employee_id: int) -> Person | None:
    row = (await _exec(session, _PERSON_BY_ID, {"employee_id": employee_id})).first()
    return _person(row) if row else None


async def people_by_ids(session: AsyncSession, ids: set[int]) -> dict[int, Person]:
    if not ids:
        return {}
    rows = await _exec(session, _person_query().where(Employee.id.in_(ids)))
    return {p.id: p for p in map(_person, rows)}


async def people_by_phone(session: AsyncSession, phone: str) -> list[Person]:
    rows = (await _exec(session, _person_query().where(Employee.phone == phone))).all()
    return [_person(r) for r in rows]


async def link_telegram(
    session: AsyncSession, employee_id: int, telegram_id: int, locale: str | None, now: datetime
) -> None:
    await _exec(session,
        update(Employee).where(Employee.id == employee_id)
        .values(telegram_id=telegram_id, locale=locale, blocked_at=None, updated_at=now)
    )
    await _ensure_conversation(session, employee_id, now)


async def set_locale(session: AsyncSession, employee_id: int, locale: str, now: datetime) -> None:
    await _exec(session,
        update(Employee).where(Employee.id == employee_id).values(locale=locale, updated_at=now)
    )


async def set_blocked(session: AsyncSession, telegram_id: int, since: datetime | None) -> None:
    """Record that a person blocked the bot (since when), or None once they write again."""
    await _exec(session,
        update(Employee).where(Employee.telegram_id == telegram_id).values(blocked_at=since)
    )


async def coachees_of(session: AsyncSession, coach_id: int) -> list[Person]:
    rows = (await _exec(session,
        _person_query().where(
            (Employee.penilai_id == coach_id)
            | (and_(Employee.penilai_id.is_(None), Employee.atasan_id == coach_id))
        ).order_by(Employee.nama)
    )).all()
    return [_person(r) for r in rows]


async def coach_ids(session: AsyncSession) -> set[int]:
    """Everyone who is the coach Tetap of at least one employee."""
    coach = func.coalesce(Employee.penilai_id, Employee.atasan_id)
    return {i for i in (await _exec(session, select(coach).distinct())).scalars() if i is not None}


async def linked_people(session: AsyncSession) -> list[Person]:
    rows = (await _exec(session, _person_query().where(Employee.telegram_id.is_not(None)))).all()
    return [_person(r) for r in rows]


# --- invites --------------------------------------------------------------------


class Redeem(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    TAKEN = "taken"  # the roster entry is already linked to another account


def new_code() -> str:
    # 32 random bytes, URL-safe: 43 characters, within Telegram's 64 for /start.
    return secrets.token_urlsafe(32)


async def create_invites(
    session: AsyncSession, unit_name: str | None, now: datetime, ttl: timedelta
) -> list[tuple[Person, str]]:
    """One fresh code for every employee not yet linked (optionally of one unit)."""
    query = _person_query().where(Employee.telegram_id.is_(None))
    if unit_name:
        query = query.where((_UnitKerja.name == unit_name) | (_UnitUtama.name == unit_name))
    people = [_person(r) for r in (await _exec(session, query.order_by(Employee.nip))).all()]
    out = []
    for p in people:
        code = new_code()
        session.add(Invite(code=code, employee_id=p.id, created_at=now, expires_at=now + ttl))
        out.append((p, code))
    await session.flush()
    return out


async def redeem_invite(
    session: AsyncSession, code: str, telegram_id: int, locale: str | None, now: datetime
) -> tuple[Redeem, Person | None]:
    invite = (await session.execute(
        select(Invite).where(Invite.code == code).with_for_update()
    )).scalar_one_or_none()
    if invite is None:
        return Redeem.UNKNOWN, None
    if invite.used_at is not None:
        return Redeem.USED, None
    if invite.expires_at <= now:
        return Redeem.EXPIRED, None
    person = await person_by_id(session, invite.employee_id)
    assert person is not None
    if person.telegram_id is not None and person.telegram_id != telegram_id:
        return Redeem.TAKEN, None
    invite.used_at = now
    await link_telegram(session, person.id, telegram_id, locale, now)
    return Redeem.OK, await person_by_id(session, person.id)


# --- conversation state -----------------------------------------------------------


RECENT_UPDATES = 30


@dataclass(frozen=True, slots=True)
class Turn:
    """A person's update in progress: who they are and where their
    conversation stands, read under the conversation row's lock."""

    person: Person
    state: dict[str, Any] | None
    recent_updates: tuple[int, ...]


# The two statements of every update are built once: constructing a statement
# costs about as much as running it on SQLite.
_TURN_QUERY = (
    _person_query()
    .add_columns(Conversation.state, Conversation.recent_updates)
    .join(Conversation, Conversation.employee_id == Employee.id)
    .where(Employee.telegram_id == bindparam("telegram_id"))
    .with_for_update(of=Conversation)
)
_SAVE_CONVERSATION = (
    update(Conversation)
    .where(Conversation.employee_id == bindparam("b_employee_id"))
    .values(state=bindparam("b_state"), recent_updates=bindparam("b_recent"), updated_at=bindparam("b_at"))
)


async def open_turn(session: AsyncSession, telegram_id: int, now: datetime) -> Turn | None:
    """The person behind a Telegram account with their conversation, locked
    until the transaction ends so two updates of one person never interleave;
    None for an account that is not linked. One query on the hot path."""
    params = {"telegram_id": telegram_id}
    # Core statements on the session's connection skip the ORM's execution path.
    conn = await session.connection()
    row = (await conn.execute(_TURN_QUERY, params)).first()
    if row is None:
        person = await person_by_telegram(session, telegram_id)
        if person is None:
            return None
        await _ensure_conversation(session, person.id, now)
        row = (await conn.execute(_TURN_QUERY, params)).first()
        assert row is not None
    state = row.state if isinstance(row.state, dict) else None
    return Turn(_person(row), state, tuple(row.recent_updates or ()))


async def _ensure_conversation(session: AsyncSession, employee_id: int, now: datetime) -> None:
    await _exec(session,
        _insert(session, Conversation)
        .values(employee_id=employee_id, state=None, recent_updates=[], updated_at=now)
        .on_conflict_do_nothing()
    )


async def save_conversation(
    session: AsyncSession, employee_id: int, state: dict[str, Any] | None,
    recent_updates: tuple[int, ...], now: datetime,
) -> None:
    conn = await session.connection()
    await conn.execute(_SAVE_CONVERSATION, {
        "b_employee_id": employee_id, "b_state": state,
        "b_recent": list(recent_updates[-RECENT_UPDATES:]), "b_at": now,
    })
