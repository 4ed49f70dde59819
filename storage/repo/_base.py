"""Records the repositories return, and the statements they share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from flows.program import Status
from storage.models import Employee, Unit

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
    flags: frozenset[str]
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
    activity: str
    year: int
    form_id: str
    spec_version: int
    answers: dict[str, str]
    cursor: int
    status: Status
    coach_id: int | None
    review_comment: str | None
    submitted_at: datetime | None
    late: bool = False
    occurrence: int = 0
    day: date | None = None


# --- helpers ------------------------------------------------------------------


async def _exec(session: AsyncSession, statement: Any,
                params: dict[str, Any] | list[dict[str, Any]] | None = None) -> Any:
    """Run a Core statement on the transaction's connection: the ORM's
    execution path (and its session synchronisation for UPDATE) costs as much
    as SQLite itself here. A list of parameter sets runs as one executemany,
    which SQLAlchemy batches into multi-row statements compiled once."""
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
    Employee.roles, Employee.flags, Employee.timezone, Employee.telegram_id, Employee.locale,
    Employee.blocked_at,
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
        flags=frozenset(x for x in (r.flags or "").split(",") if x),
        timezone=r.timezone or r.uk_tz or r.uu_tz, telegram_id=r.telegram_id, locale=r.locale,
        blocked=r.blocked_at is not None,
    )


async def _one_person(session: AsyncSession, *where: Any) -> Person | None:
    row = (await _exec(session, _person_query().where(*where))).first()
    return _person(row) if row else None


def _record(s: Any) -> SubmissionRecord:
    """From a Submission or a row of the submissions table."""
    return SubmissionRecord(
        id=s.id, employee_id=s.employee_id, program=s.program, activity=s.activity, year=s.year,
        form_id=s.form_id, spec_version=s.spec_version, answers=dict(s.answers or {}),
        cursor=s.cursor, status=Status(s.status), coach_id=s.coach_id,
        review_comment=s.review_comment, submitted_at=s.submitted_at, late=bool(s.late),
        occurrence=s.occurrence, day=s.day,
    )



# The coach Tetap as the roster names today: the penilai, else the atasan.
def _listed(column: Any, item: str) -> ColumnElement[bool]:
    """Whether a comma-separated column (roles, flags) holds the item
    itself, not a longer one that contains it ("pic" is not in "pic_lama")."""
    return (literal(",") + func.coalesce(column, "") + ",").contains(f",{item},", autoescape=True)


_coach_today: ColumnElement[int] = func.coalesce(Employee.penilai_id, Employee.atasan_id)
