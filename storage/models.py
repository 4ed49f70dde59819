"""Tables. Times are stored in UTC and come back timezone-aware."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Unit(Base):
    """Unit Utama (parent_id is None) or Unit Kerja (parent is its Unit Utama)."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_units_parent_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))


class Employee(Base):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    nip: Mapped[str] = mapped_column(String(18), unique=True)
    nama: Mapped[str] = mapped_column(String(200))
    jabatan: Mapped[str] = mapped_column(String(300), default="")
    pangkat_golongan: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[str | None] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    atasan_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    penilai_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(100), default="")  # comma-separated
    # Roster marks that open a program to the person (talenta), comma-separated.
    flags: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # Optional reminder kinds the person turned off (/pengingat), comma-separated.
    muted: Mapped[str] = mapped_column(String(200), default="", server_default="")
    timezone: Mapped[str | None] = mapped_column(String(64))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    blocked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Invite(Base):
    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Conversation(Base):
    """Where a person is in a conversation; one row per linked employee,
    created when the account is linked. Its row lock serialises a person's
    updates; `recent_updates` holds the last update ids handled for them, so
    an update delivered twice is processed once."""

    __tablename__ = "conversations"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    recent_updates: Mapped[list[int]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime]


class Enrolment(Base):
    """A person taking part in a program for one cycle (a calendar year).

    Programs everyone takes part in get their row the first time it is
    needed; requested ones start `requested` and the chosen coach approves
    (`active`) or declines with a reason. The row is also the lock that
    serialises JP credits of the person in the program."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("employee_id", "program", "cycle", name="uq_enrolments_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    program: Mapped[str] = mapped_column(String(64))
    cycle: Mapped[int] = mapped_column(Integer)
    # Set for a chosen coach; None means the roster's coach (penilai, else atasan).
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    # A mentor besides the coach, where a program has one (PUPR's mentor is the atasan, P:277).
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Submission(Base):
    """One form of one activity for one cycle (the n-th entry of a log):
    not_started (opened, no answer yet) → draft → submitted → (returned →
    submitted)* → confirmed. `employee_id` is the coachee the form is about,
    also when the coach fills it."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("employee_id", "program", "activity", "year", "occurrence",
                         name="uq_submissions_slot"),
        Index("ix_submissions_program_year_activity", "program", "year", "activity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    program: Mapped[str] = mapped_column(String(64))
    activity: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    # 0 for a scheduled activity; 1, 2, ... for the entries of a log.
    occurrence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    form_id: Mapped[str] = mapped_column(String(64))
    spec_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    review_comment: Mapped[str | None] = mapped_column(Text)
    # Sent after its stage's window closed; shown wherever the form appears.
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The day the activity took place (the form's date), set when it is sent.
    day: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class JpLine(Base):
    """The JP ledger: append-only, one row per credited (or refused) activity;
    a correction is a row that reverses another, never an update."""

    __tablename__ = "jp_ledger"
    __table_args__ = (Index("ix_jp_ledger_employee_day", "employee_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    program: Mapped[str] = mapped_column(String(64))
    activity: Mapped[str] = mapped_column(String(64))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    claimed: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    base: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    credited: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    rule: Mapped[str] = mapped_column(String(64))
    reason_key: Mapped[str] = mapped_column(String(64))
    reason_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reverses: Mapped[int | None] = mapped_column(ForeignKey("jp_ledger.id"))
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message Bina starts (a notice to the coach, a reminder), written in
    the transaction of the change that caused it and sent later by the
    sender: pending → sending → sent | dropped | failed (or back to pending
    for a retry). `key` makes it idempotent: whoever queues the same key
    again, however often, queues nothing."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_not_before", "status", "not_before"),
        Index("ix_outbox_employee_status", "employee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    # notice, ingatkan, stage_window.open, cadence, coach_backlog, pic_digest, session.day_before, ...
    kind: Mapped[str] = mapped_column(String(64))
    program: Mapped[str | None] = mapped_column(String(64))
    activity: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(100))
    # The reply as message keys (flows.messages.reply_to_json), rendered in
    # the recipient's language when it is sent.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    not_before: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    snoozed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class ScheduledSession(Base):
    """A coaching session the coachee and coach agreed on (`/jadwal`), so
    both are reminded the day before and an hour before."""

    __tablename__ = "scheduled_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    program: Mapped[str] = mapped_column(String(64))
    activity: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned | cancelled
    created_at: Mapped[datetime]


class AuditEntry(Base):
    """An admin action: who asked for which list, recap, export, reminder or
    document, of which scope, when (`bina audit`)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    action: Mapped[str] = mapped_column(String(32))  # the command: belum_isi, ingatkan, ekspor, ...
    scope_kind: Mapped[str] = mapped_column(String(16))  # unit_kerja | unit_utama | instansi
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    detail: Mapped[str] = mapped_column(String(200), default="")  # program, stage, format
    at: Mapped[datetime] = mapped_column(index=True)


class RecapReport(Base):
    """A koordinator's quarterly recap sent to the pembina (K:1316), and the
    pembina's verification of it (K:1290). The counts are kept as they were
    when it was sent."""

    __tablename__ = "recap_reports"
    __table_args__ = (
        UniqueConstraint("program", "stage", "unit_id", "period", name="uq_recap_reports_slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the unit utama
    period: Mapped[str] = mapped_column(String(16))  # 2026-Q3
    sender_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"units": [[name, done, total], ...]}
    sent_at: Mapped[datetime]
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    verified_at: Mapped[datetime | None]


class IssuedDocument(Base):
    """A document Bina issued (Bukti Keterangan, certificate) with the facts
    it states and its verification code. When the facts change (a dialog
    confirmed later in the quarter), the next version gets a new code and
    the earlier one verifies as replaced."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("kind", "employee_id", "program", "period", "version", name="uq_documents_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # flows.documents.Kind
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)  # whom it names
    program: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(32))  # 2026-Q3, or the enrolment a certificate closes
    version: Mapped[int] = mapped_column(Integer)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime]
