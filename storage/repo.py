"""Repositories: queries and writes, returning plain records (never ORM rows).

Every function takes the session of the caller's transaction, so one update
is one transaction, whatever it touches.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from flows.access import Scope
from flows.program import Status
from flows.roster import RosterRow
from storage.models import Conversation, Employee, Invite, Submission, Unit

# --- records ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    nip: str
    nama: str
    jabatan: str
    pangkat_golongan: str
    level: str | None
    unit_id: int
    unit_name: str
    unit_utama_id: int | None
    unit_utama_name: str
    atasan_id: int | None
    penilai_id: int | None
    phone: str | None
    email: str | None
    roles: frozenset[str]
    timezone: str | None  # the person's own, else their unit's
    telegram_id: int | None
    locale: str | None
    blocked: bool

    @property
    def coach_id(self) -> int | None:
        """The coach Tetap: the pejabat penilai kinerja where named, else the atasan."""
        return self.penilai_id or self.atasan_id


@dataclass(frozen=True, slots=True)
class SubmissionRecord:
    id: int
    employee_id: int
    program: str
    stage: str
    year: int
    form_id: str
    spec_version: int
    answers: dict[str, str]
    cursor: int
    status: Status
    coach_id: int | None
    review_comment: str | None
    jp: int
    submitted_at: datetime | None
    late: bool = False


@dataclass(frozen=True, slots=True)
class PendingRow:
    nip: str
    nama: str
    jabatan: str
    unit_name: str
    status: Status
    late: bool = False
    has_coach: bool = True


# --- helpers ------------------------------------------------------------------


async def _exec(session: AsyncSession, statement: Any, params: dict[str, Any] | None = None) -> Any:
    """Run a Core statement on the transaction's connection: the ORM's
    execution path (and its session synchronisation for UPDATE) costs as much
    as SQLite itself here."""
    conn = await session.connection()
    return await conn.execute(statement, params)


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


_UnitKerja = aliased(Unit)
_UnitUtama = aliased(Unit)


# Plain columns rather than ORM entities: a person is read on every update,
# and building three mapped objects for it was a measurable share of a step.
_PERSON_COLUMNS = (
    Employee.id, Employee.nip, Employee.nama, Employee.jabatan, Employee.pangkat_golongan,
    Employee.level, Employee.atasan_id, Employee.penilai_id, Employee.phone, Employee.email,
    Employee.roles, Employee.timezone, Employee.telegram_id, Employee.locale, Employee.blocked_at,
    _UnitKerja.id.label("uk_id"), _UnitKerja.name.label("uk_name"), _UnitKerja.timezone.label("uk_tz"),
    _UnitUtama.id.label("uu_id"), _UnitUtama.name.label("uu_name"), _UnitUtama.timezone.label("uu_tz"),
)


def _person_query() -> Select[Any]:
    query: Select[Any] = (
        select(*_PERSON_COLUMNS)  # type: ignore[assignment]
        .join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
        .outerjoin(_UnitUtama, _UnitKerja.parent_id == _UnitUtama.id)
    )
    return query


def _person(r: Any) -> Person:
    return Person(
        id=r.id, nip=r.nip, nama=r.nama, jabatan=r.jabatan, pangkat_golongan=r.pangkat_golongan,
        level=r.level, unit_id=r.uk_id, unit_name=r.uk_name, unit_utama_id=r.uu_id,
        unit_utama_name=r.uu_name or "", atasan_id=r.atasan_id, penilai_id=r.penilai_id,
        phone=r.phone, email=r.email, roles=frozenset(x for x in r.roles.split(",") if x),
        timezone=r.timezone or r.uk_tz or r.uu_tz, telegram_id=r.telegram_id, locale=r.locale,
        blocked=r.blocked_at is not None,
    )


async def _one_person(session: AsyncSession, *where: Any) -> Person | None:
    row = (await _exec(session, _person_query().where(*where))).first()
    return _person(row) if row else None


def _record(s: Any) -> SubmissionRecord:
    """From a Submission or a row of the submissions table."""
    return SubmissionRecord(
        id=s.id, employee_id=s.employee_id, program=s.program, stage=s.stage, year=s.year,
        form_id=s.form_id, spec_version=s.spec_version, answers=dict(s.answers or {}),
        cursor=s.cursor, status=Status(s.status), coach_id=s.coach_id,
        review_comment=s.review_comment, jp=s.jp, submitted_at=s.submitted_at, late=bool(s.late),
    )


# --- people ---------------------------------------------------------------------


async def person_by_telegram(session: AsyncSession, telegram_id: int) -> Person | None:
    return await _one_person(session, Employee.telegram_id == telegram_id)


async def person_by_id(session: AsyncSession, employee_id: int) -> Person | None:
    return await _one_person(session, Employee.id == employee_id)


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
    session: AsyncSession, employee_id: int, program: str, stage: str, year: int,
    form_id: str, spec_version: int, now: datetime,
) -> SubmissionRecord:
    values: dict[str, Any] = dict(
        employee_id=employee_id, program=program, stage=stage, year=year, form_id=form_id,
        spec_version=spec_version, answers={}, cursor=0, status=Status.NOT_STARTED.value, jp=0,
        coach_id=None, review_comment=None, submitted_at=None, decided_at=None, late=False,
        created_at=now, updated_at=now,
    )
    conn = await session.connection()
    result = await conn.execute(insert(Submission).values(**values))
    (new_id,) = result.inserted_primary_key or (None,)
    return _record(SimpleNamespace(id=new_id, **values))


async def save_draft(
    session: AsyncSession, submission_id: int, answers: dict[str, str], cursor: int,
    spec_version: int, now: datetime,
) -> None:
    """Keep a draft; a form becomes a draft with its first answer (one that
    was only opened stays not started, and so it is not shown as a draft)."""
    started = {Status.NOT_STARTED.value: Status.DRAFT.value} if answers else {}
    status = case(started, value=Submission.status, else_=Submission.status) if started \
        else Submission.status
    await _exec(session,
        update(Submission).where(Submission.id == submission_id)
        .values(answers=answers, cursor=cursor, spec_version=spec_version, updated_at=now,
                status=status)
    )


async def submit(
    session: AsyncSession, submission_id: int, answers: dict[str, str], coach_id: int | None,
    now: datetime, late: bool = False,
) -> None:
    await _exec(session,
        update(Submission).where(Submission.id == submission_id).values(
            answers=answers, status=Status.SUBMITTED.value, coach_id=coach_id,
            submitted_at=now, updated_at=now, late=late,
        )
    )


async def decide(
    session: AsyncSession, submission_id: int, status: Status, now: datetime,
    jp: int = 0, comment: str | None = None,
) -> None:
    values: dict[str, Any] = {"status": status.value, "decided_at": now, "updated_at": now, "jp": jp}
    if status is Status.RETURNED:
        values["review_comment"] = comment
    await _exec(session, update(Submission).where(Submission.id == submission_id).values(**values))


async def statuses(
    session: AsyncSession, employee_id: int, program: str, year: int
) -> dict[str, SubmissionRecord]:
    conn = await session.connection()
    rows = await conn.execute(_STATUSES, {"e": employee_id, "p": program, "y": year})
    return {r.stage: _record(r) for r in rows}


async def jp_total(session: AsyncSession, employee_id: int, year: int) -> int:
    total = (await _exec(session, select(func.coalesce(func.sum(Submission.jp), 0)).where(
        Submission.employee_id == employee_id, Submission.year == year,
        Submission.status == Status.CONFIRMED.value,
    ))).scalar_one()
    return int(total)


_coach_today: ColumnElement[int] = func.coalesce(Employee.penilai_id, Employee.atasan_id)


async def waiting_for(session: AsyncSession, coach_id: int) -> list[tuple[SubmissionRecord, Person]]:
    """Forms waiting for this coach, oldest first. The coach is whoever the
    roster names today, so a form sent before a coach was recorded (or
    before a change of coach) reaches the right person."""
    rows = (await _exec(session, select(_SUBMISSIONS).join(
        Employee, Employee.id == _SUBMISSIONS.c.employee_id
    ).where(
        _coach_today == coach_id, _SUBMISSIONS.c.status == Status.SUBMITTED.value
    ).order_by(_SUBMISSIONS.c.submitted_at))).all()
    if not rows:
        return []
    people = {p.id: p for p in map(_person, await _exec(session, _person_query().where(
        Employee.id.in_({r.employee_id for r in rows})
    )))}
    return [(_record(r), people[r.employee_id]) for r in rows if r.employee_id in people]


# --- monitoring -------------------------------------------------------------------


def _scope_filter(scope: Scope) -> Any:
    if scope.kind == "unit_kerja":
        return Employee.unit_id == scope.unit_id
    if scope.kind == "unit_utama":
        return _UnitKerja.parent_id == scope.unit_id
    return True


async def not_completed(
    session: AsyncSession, scope: Scope, program: str, stage: str, year: int
) -> tuple[list[PendingRow], int]:
    """Employees in scope who have not completed a stage, with how far they
    got, and the number of employees in scope. Status only, never answers."""
    query = (
        select(Employee.nip, Employee.nama, Employee.jabatan, _UnitKerja.name, Submission.status,
               Submission.late, _coach_today)
        .join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
        .outerjoin(Submission, and_(
            Submission.employee_id == Employee.id, Submission.program == program,
            Submission.stage == stage, Submission.year == year,
        ))
        .where(_scope_filter(scope))
        .where((Submission.status.is_(None)) | (Submission.status != Status.CONFIRMED.value))
        .order_by(_UnitKerja.name, Employee.nama, Employee.nip)
    )
    rows = [
        PendingRow(nip, nama, jabatan, unit, Status(status) if status else Status.NOT_STARTED,
                   bool(late), coach is not None)
        for nip, nama, jabatan, unit, status, late, coach in (await _exec(session, query)).all()
    ]
    total = (await _exec(session,
        select(func.count(Employee.id)).join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
        .where(_scope_filter(scope))
    )).scalar_one()
    return rows, int(total)


async def unit_names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    rows = (await _exec(session, select(Unit.id, Unit.name).where(Unit.id.in_(ids)))).all()
    return {i: n for i, n in rows}


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


async def returned_forms(session: AsyncSession, employee_id: int) -> list[SubmissionRecord]:
    """Forms sent back to this person for changes, of any year, oldest first."""
    rows = (await _exec(session, select(_SUBMISSIONS).where(
        _SUBMISSIONS.c.employee_id == employee_id, _SUBMISSIONS.c.status == Status.RETURNED.value,
    ).order_by(_SUBMISSIONS.c.year, _SUBMISSIONS.c.decided_at))).all()
    return [_record(r) for r in rows]
