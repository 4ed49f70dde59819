"""Status and counts for PICs, koordinator and pembina, and sums of ratings
per unit; never answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from flows.access import Scope
from flows.documents import Kind
from flows.program import Status
from flows.ratings import Rating, Sums
from flows.recap import Row
from flows.workflow import EnrolmentStatus
from storage.models import Employee, Enrolment, IssuedDocument, JpLine, OutboxMessage, Submission, Unit
from storage.repo._base import (
    _coach_today,
    _exec,
    _listed,
    _UnitKerja,
    _UnitUtama,
)
from storage.repo.outbox import DROPPED, FAILED, LATER, PENDING, SENDING, SENT


@dataclass(frozen=True, slots=True)
class PendingRow:
    employee_id: int
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


def _taking_part(program: str, year: int, everyone: bool, flag: str | None,
                 live: Sequence[str]) -> ColumnElement[bool]:
    """Who takes part in a program in a year: `everyone` (those with the
    roster `flag`, if one is given), else the people with an enrolment of the
    year in a `live` status."""
    if everyone:
        return _listed(Employee.flags, flag) if flag else true()
    return select(Enrolment.id).where(
        Enrolment.employee_id == Employee.id, Enrolment.program == program, Enrolment.cycle == year,
        Enrolment.status.in_(live)).exists()


async def not_completed(
    session: AsyncSession, scope: Scope, program: str, activity: str, year: int,
    parts: Sequence[str] = (), *, log: bool = False, everyone: bool = True, flag: str | None = None,
    live: Sequence[str] = (),
) -> tuple[list[PendingRow], int]:
    """Employees in scope who have not completed a stage, with how far they
    got, and the number of employees in scope. Status only, never answers.
    A stage with `parts` (the coach's evaluation of the Evaluasi stage) is
    complete when they are confirmed too; the status shown is the stage's own.
    A `log` is complete with one confirmed entry of the year (as the status
    sheet counts it); those without are shown not started. Only those who
    take part in the program count (everyone, flag, live: as recap_rows)."""
    taking = _taking_part(program, year, everyone, flag, live)
    parts_done = select(func.count()).where(
        Submission.employee_id == Employee.id, Submission.program == program, Submission.year == year,
        Submission.activity.in_(parts), Submission.status == Status.CONFIRMED.value,
    ).correlate(Employee).scalar_subquery() if parts else None
    own = aliased(Submission)
    query = (
        select(Employee.id, Employee.nip, Employee.nama, Employee.jabatan, _UnitKerja.name, own.status,
               own.late, _coach_today, parts_done if parts_done is not None else literal(0))
        .join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
        .outerjoin(own, and_(
            own.employee_id == Employee.id, own.program == program,
            own.activity == activity, own.year == year, own.occurrence == 0,
        ))
        .where(_scope_filter(scope), taking)
    )
    unfinished: ColumnElement[bool] = own.status.is_(None) | (own.status != Status.CONFIRMED.value)
    if log:  # a log's entries (occurrence 1, 2, ...) are not one form: one row a person, whatever they logged
        unfinished = ~select(Submission.id).where(
            Submission.employee_id == Employee.id, Submission.program == program, Submission.year == year,
            Submission.activity == activity, Submission.occurrence > 0,
            Submission.status == Status.CONFIRMED.value,
        ).correlate(Employee).exists()
    if parts_done is not None:
        unfinished = unfinished | (parts_done < len(parts))
    query = query.where(unfinished).order_by(_UnitKerja.name, Employee.nama, Employee.nip)
    rows = [
        PendingRow(i, nip, nama, jabatan, unit, Status(status) if status else Status.NOT_STARTED,
                   bool(late), coach is not None, status == Status.CONFIRMED.value and done < len(parts))
        for i, nip, nama, jabatan, unit, status, late, coach, done in (await _exec(session, query)).all()
    ]
    total = (await _exec(session,
        select(func.count(Employee.id)).join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
        .where(_scope_filter(scope), taking)
    )).scalar_one()
    return rows, int(total)


_FURTHEST = (Status.NOT_STARTED, Status.DRAFT, Status.RETURNED, Status.SUBMITTED, Status.CONFIRMED)


async def recap_rows(session: AsyncSession, scope: Scope, program: str, year: int, *, everyone: bool,
                     flag: str | None = None, live: Sequence[str] = ()) -> list[Row]:
    """Who in scope takes part in a program in a year, with the status of
    each scheduled form, and for each log the number of confirmed entries and
    the status of the furthest entry; ordered by unit kerja and name (who
    takes part: _taking_part). Statuses and counts only, never answers."""
    people = (select(Employee.id, Employee.nip, Employee.nama, Employee.jabatan, _UnitKerja.name,
                     _UnitUtama.name, _UnitKerja.id, _UnitUtama.id)
              .join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
              .outerjoin(_UnitUtama, _UnitKerja.parent_id == _UnitUtama.id)
              .where(_scope_filter(scope), _taking_part(program, year, everyone, flag, live))
              .order_by(_UnitKerja.name, Employee.nama, Employee.nip))
    found = (await _exec(session, people)).all()
    ids = {r[0] for r in found}
    forms: dict[int, dict[str, Status]] = {i: {} for i in ids}
    entries: dict[int, dict[str, int]] = {i: {} for i in ids}
    of_scope = (select(Submission.employee_id).join(Employee, Submission.employee_id == Employee.id)
                .join(_UnitKerja, Employee.unit_id == _UnitKerja.id).where(_scope_filter(scope)))
    mine = and_(Submission.program == program, Submission.year == year)
    for person, activity, status in (await _exec(session, of_scope.add_columns(
            Submission.activity, Submission.status).where(mine, Submission.occurrence == 0))).all():
        if person in forms:
            forms[person][activity] = Status(status)
    # A log's entries: how many are confirmed, and the furthest any of them
    # got stands as the log's status (confirmed, waiting, being filled).
    for person, activity, status, count in (await _exec(session, of_scope.add_columns(
            Submission.activity, Submission.status, func.count()).where(mine, Submission.occurrence > 0)
            .group_by(Submission.employee_id, Submission.activity, Submission.status))).all():
        if person not in forms:
            continue
        if status == Status.CONFIRMED.value:
            entries[person][activity] = int(count)
        furthest = forms[person].get(activity, Status.NOT_STARTED)
        if _FURTHEST.index(Status(status)) > _FURTHEST.index(furthest):
            forms[person][activity] = Status(status)
    return [Row(i, nip, nama, jabatan or "", kerja, utama, forms[i], entries[i], kerja_id, utama_id)
            for i, nip, nama, jabatan, kerja, utama, kerja_id, utama_id in found]


async def jp_totals(session: AsyncSession, scope: Scope, year: int) -> dict[int, Decimal]:
    """Each person's JP of the year in a scope (those with none left out),
    in one query: a koordinator's 20,000 without a list of their ids."""
    rows = await _exec(session, select(JpLine.employee_id, func.sum(JpLine.credited))
                       .join(Employee, JpLine.employee_id == Employee.id)
                       .join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
                       .where(_scope_filter(scope), JpLine.day.between(date(year, 1, 1), date(year, 12, 31)))
                       .group_by(JpLine.employee_id))
    return {e: Decimal(total).quantize(Decimal("0.1")) for e, total in rows.all()}


async def rating_sums(session: AsyncSession, scope: Scope, program: str, year: int, ratings: Sequence[Rating],
                      by_unit_utama: bool, *, everyone: bool = True, flag: str | None = None,
                      live: Sequence[str] = ()) -> dict[tuple[int, str], Sums]:
    """Per unit id (kerja, or utama) and rated activity, over the confirmed
    forms of the year of those in scope who take part (as recap_rows): how
    many, and per rating how many answered it with one of its values and
    their sum. Counts and sums only: no answer, and nobody's own rating,
    leaves the database."""
    unit = func.coalesce(_UnitUtama.id, _UnitKerja.id) if by_unit_utama else _UnitKerja.id
    found: dict[tuple[int, str], Sums] = {}
    for activity in dict.fromkeys(r.activity for r in ratings):
        rated = [r for r in ratings if r.activity == activity]
        columns: list[Any] = [unit, func.count()]
        for r in rated:
            answer = Submission.answers[r.field].as_string()
            valid = answer.in_([str(v) for v in r.values])
            columns += [func.count(case((valid, 1))),
                        func.coalesce(func.sum(case((valid, cast(answer, Integer)))), 0)]
        query = (select(*columns).select_from(Submission)
                 .join(Employee, Submission.employee_id == Employee.id)
                 .join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
                 .outerjoin(_UnitUtama, _UnitKerja.parent_id == _UnitUtama.id)
                 # The scheduled form, one per person (a log's entries are several of one person's).
                 .where(Submission.program == program, Submission.activity == activity,
                        Submission.year == year, Submission.occurrence == 0,
                        Submission.status == Status.CONFIRMED.value,
                        _scope_filter(scope), _taking_part(program, year, everyone, flag, live))
                 .group_by(unit))
        for unit_id, forms, *numbers in (await _exec(session, query)).all():
            found[(unit_id, activity)] = Sums(
                int(forms), {r.field: int(numbers[2 * k]) for k, r in enumerate(rated)},
                {r.field: int(numbers[2 * k + 1]) for k, r in enumerate(rated)})
    return found


async def completed_and_certified(session: AsyncSession, scope: Scope, program: str, after: str,
                                  kind: Kind, spans: Sequence[tuple[date, date]],
                                  zone: ZoneInfo) -> list[tuple[int, int]]:
    """For each span of days (a quarter): how many enrolments of people in
    scope were completed in it, dated by the day of the `after` activity
    (the day it was confirmed, for a form without one), and how many
    certificates of the `kind` were first issued in it, one per person and
    enrolment however many versions followed. Counts only."""
    completing = and_(Submission.employee_id == Enrolment.employee_id,
                      Submission.program == Enrolment.program, Submission.year == Enrolment.cycle,
                      Submission.activity == after,
                      Submission.occurrence == 0, Submission.status == Status.CONFIRMED.value)
    on_day = [or_(Submission.day.between(first, last),
                  and_(Submission.day.is_(None), _during(Submission.decided_at, first, last, zone)))
              for first, last in spans]
    done = (await _exec(session, select(*(func.count(case((c, 1))) for c in on_day))
                        .select_from(Enrolment).join(Submission, completing)
                        .join(Employee, Enrolment.employee_id == Employee.id)
                        .join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
                        .where(_scope_filter(scope), Enrolment.program == program,
                               Enrolment.status == EnrolmentStatus.COMPLETED.value))).one()
    firsts = (select(func.min(IssuedDocument.issued_at).label("at"))
              .join(Employee, IssuedDocument.employee_id == Employee.id)
              .join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
              .where(_scope_filter(scope), IssuedDocument.kind == kind, IssuedDocument.program == program)
              .group_by(IssuedDocument.employee_id, IssuedDocument.period).subquery())
    certified = (await _exec(session, select(*(
        func.count(case((_during(firsts.c.at, first, last, zone), 1))) for first, last in spans)))).one()
    return [(int(d), int(c)) for d, c in zip(done, certified, strict=True)]


def _during(at: Any, first: date, last: date, zone: ZoneInfo) -> Any:
    """A UTC timestamp that falls on one of the days from `first` to `last` in the zone."""
    return and_(at >= datetime.combine(first, time(0), zone),
                at < datetime.combine(last + timedelta(days=1), time(0), zone))


async def unit_parent(session: AsyncSession, unit_id: int) -> tuple[int | None] | None:
    """(parent id,) of a unit: None inside for a unit utama; None for no such unit."""
    row = (await _exec(session, select(Unit.parent_id).where(Unit.id == unit_id))).first()
    return None if row is None else (row[0],)


async def pics_in(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, list[int]]:
    """The PICs of each unit kerja, by unit."""
    rows = (await _exec(session, select(Employee.unit_id, Employee.id)
                        .where(Employee.unit_id.in_(unit_ids), _listed(Employee.roles, "pic")))).all()
    found: dict[int, list[int]] = {}
    for unit, person in rows:
        found.setdefault(unit, []).append(person)
    return found


async def unit_names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    rows = (await _exec(session, select(Unit.id, Unit.name).where(Unit.id.in_(ids)))).all()
    return {i: n for i, n in rows}


@dataclass(frozen=True, slots=True)
class UnitRef:
    id: int
    name: str
    parent_id: int | None  # None for a unit utama


async def units(session: AsyncSession) -> list[UnitRef]:
    """Every unit: what a unit typed by name is looked for among."""
    query = select(Unit.id, Unit.name, Unit.parent_id).order_by(Unit.name, Unit.id)
    rows = (await _exec(session, query)).all()
    return [UnitRef(i, n, p) for i, n, p in rows]


# --- reminding (/ingatkan) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach someone: whether a chat is linked and not blocked, and
    whose clock their messages wait for."""

    employee_id: int
    reachable: bool
    timezone: str | None  # own
    unit_timezone: str | None  # the unit kerja's, else the unit utama's


async def contacts(session: AsyncSession, scope: Scope) -> dict[int, Contact]:
    """Everyone in scope, by id."""
    rows = (await _exec(session, select(
        Employee.id, Employee.telegram_id, Employee.blocked_at, Employee.timezone, _UnitKerja.timezone,
        _UnitUtama.timezone,
    ).join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
     .outerjoin(_UnitUtama, _UnitKerja.parent_id == _UnitUtama.id).where(_scope_filter(scope)))).all()
    return {i: Contact(i, telegram is not None and blocked is None, tz, uk_tz or uu_tz)
            for i, telegram, blocked, tz, uk_tz, uu_tz in rows}


@dataclass(frozen=True, slots=True)
class OutboxTally:
    queued: int = 0  # waiting or being sent
    delivered: int = 0
    unreachable: int = 0  # blocked, never linked, or refused by Telegram
    dropped: int = 0  # no longer needed when its turn came (the form was done meanwhile)


async def outbox_tally(session: AsyncSession, scope: Scope, kind: str, start: datetime,
                       end: datetime) -> OutboxTally:
    """How the `kind` messages to people in scope that were queued, or due,
    between `start` and `end` went; a snoozed copy is not counted again."""
    within = or_(and_(OutboxMessage.created_at >= start, OutboxMessage.created_at < end),
                 and_(OutboxMessage.not_before >= start, OutboxMessage.not_before < end))
    rows = (await _exec(session, select(OutboxMessage.status, OutboxMessage.reason, func.count())
        .join(Employee, OutboxMessage.employee_id == Employee.id)
        .join(_UnitKerja, Employee.unit_id == _UnitKerja.id)
        .where(_scope_filter(scope), OutboxMessage.kind == kind,
               ~OutboxMessage.key.like(f"%{LATER}"), within)
        .group_by(OutboxMessage.status, OutboxMessage.reason))).all()
    counts = {"queued": 0, "delivered": 0, "unreachable": 0, "dropped": 0}
    for status, reason, n in rows:
        if status in (PENDING, SENDING):
            counts["queued"] += n
        elif status == SENT:
            counts["delivered"] += n
        elif status == FAILED or (status == DROPPED and reason == "not_linked"):
            counts["unreachable"] += n
        else:
            counts["dropped"] += n
    return OutboxTally(**counts)
