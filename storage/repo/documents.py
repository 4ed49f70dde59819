"""Documents issued, with the facts they state and their verification
codes; and the facts they are made of (JP per quarter, the unit's head)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.documents import CODE_ALPHABET, CODE_LENGTH, quarter_of, quarter_span
from flows.roster import HEAD_ROLE
from flows.workflow import EnrolmentStatus
from storage.models import Employee, IssuedDocument, JpLine
from storage.repo._base import Person, _exec, _insert, _listed, _person, _person_query
from storage.repo.enrolments import _ENROLMENTS, EnrolmentRecord, _enrolment


@dataclass(frozen=True, slots=True)
class Issued:
    code: str
    kind: str
    employee_id: int
    program: str
    period: str
    version: int
    facts: dict[str, Any]
    issued_at: datetime
    # The code of the version that replaced it, if the facts changed since.
    replaced_by: str | None = None


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _issued(r: Any, replaced_by: str | None = None) -> Issued:
    return Issued(r.code, r.kind, r.employee_id, r.program, r.period, r.version, r.facts, r.issued_at,
                  replaced_by)


async def issue(session: AsyncSession, kind: str, employee_id: int, program: str, period: str,
                facts: dict[str, Any], now: datetime) -> Issued:
    """The document stating these facts: the one issued before if it states
    the same, else a new version with a new code. Two requests at once
    collide on the version; the update is retried and finds the winner's."""
    latest = (await _exec(session, select(IssuedDocument.__table__).where(
        IssuedDocument.kind == kind, IssuedDocument.employee_id == employee_id,
        IssuedDocument.program == program, IssuedDocument.period == period,
    ).order_by(IssuedDocument.version.desc()).limit(1))).first()
    if latest is not None and latest.facts == facts:
        return _issued(latest)
    new = Issued(_new_code(), kind, employee_id, program, period, latest.version + 1 if latest else 1, facts,
                 now)
    await _exec(session, _insert(session, IssuedDocument).values(
        code=new.code, kind=kind, employee_id=employee_id, program=program, period=period,
        version=new.version,
        facts=facts, issued_at=now))
    return new


async def by_code(session: AsyncSession, code: str) -> Issued | None:
    table = IssuedDocument.__table__
    found = (await _exec(session, select(table).where(IssuedDocument.code == code))).first()
    if found is None:
        return None
    newest = (await _exec(session, select(IssuedDocument.code).where(
        IssuedDocument.kind == found.kind, IssuedDocument.employee_id == found.employee_id,
        IssuedDocument.program == found.program, IssuedDocument.period == found.period,
        IssuedDocument.version > found.version,
    ).order_by(IssuedDocument.version.desc()).limit(1))).scalar()
    return _issued(found, newest)


async def jp_by_quarter(session: AsyncSession, employee_ids: Sequence[int], program: str, year: int,
                        quarters: Sequence[int]) -> dict[tuple[int, int], tuple[Decimal, int]]:
    """Per person and quarter of `year` given, the JP credited for the
    program's activities held in it, and how many activities earned it
    (reversals net out): one query for all the quarters."""
    first, last = quarter_span(year, min(quarters))[0], quarter_span(year, max(quarters))[1]
    rows = await _exec(session, select(JpLine.employee_id, func.min(JpLine.day), func.sum(JpLine.credited))
                       .where(JpLine.employee_id.in_(employee_ids), JpLine.program == program,
                              JpLine.day >= first, JpLine.day <= last)
                       .group_by(JpLine.employee_id, JpLine.submission_id))
    found: dict[tuple[int, int], tuple[Decimal, int]] = {}
    for employee_id, day, jp in rows.all():
        key = (employee_id, quarter_of(day))
        if key[1] in quarters and jp:
            total, n = found.get(key, (Decimal(0), 0))
            found[key] = (total + Decimal(jp), n + (jp > 0))
    return {k: (jp.quantize(Decimal("0.1")), n) for k, (jp, n) in found.items() if jp}


async def heads_of(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, Person]:
    """The Kepala Unit Kerja of each unit given, where the roster names one."""
    rows = (await _exec(session, _person_query().where(
        Employee.unit_id.in_(unit_ids), _listed(Employee.roles, HEAD_ROLE)).order_by(Employee.id))).all()
    heads: dict[int, Person] = {}
    for r in rows:
        p = _person(r)
        heads.setdefault(p.unit_id, p)
    return heads


async def people_in_unit(session: AsyncSession, unit_id: int) -> list[Person]:
    rows = (await _exec(session, _person_query().where(Employee.unit_id == unit_id)
                        .order_by(Employee.nama, Employee.id))).all()
    return [_person(r) for r in rows]


async def certificate_enrolments(session: AsyncSession, people: Sequence[int],
                                 programs: Sequence[str]) -> list[EnrolmentRecord]:
    """The enrolments in these programs that a certificate may come of for
    these people: their own, and those naming one of them the chosen coach
    (active or completed); by cycle."""
    coaching = and_(_ENROLMENTS.c.coach_id.in_(people), _ENROLMENTS.c.status.in_(
        [EnrolmentStatus.ACTIVE.value, EnrolmentStatus.COMPLETED.value]))
    rows = await _exec(session, select(_ENROLMENTS).where(
        _ENROLMENTS.c.program.in_(programs), or_(_ENROLMENTS.c.employee_id.in_(people), coaching))
        .order_by(_ENROLMENTS.c.cycle, _ENROLMENTS.c.id))
    return [_enrolment(r) for r in rows]
