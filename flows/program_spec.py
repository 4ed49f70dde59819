"""The vocabulary of a program spec: how people join it, and its
activities, each a form with a schedule, who fills it, who signs it, who
else may read it, and what it earns."""

from __future__ import annotations

import calendar
from datetime import date, time
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flows.jp import JpRule

Filler = Literal["coachee", "coach", "both"]
Signer = Literal["coach", "atasan"]
# Readers beyond the coachee and their coach, where a seed names them
# (SEED_REFERENCE W1: the atasan knows the agenda in Bali).
Reader = Literal["atasan"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MonthDay(_Strict):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, v: Any) -> Any:
        if isinstance(v, str):
            try:
                m, d = v.split("-")
                return {"month": int(m), "day": int(d)}
            except ValueError:
                raise ValueError(f"expected MM-DD, got {v!r}") from None
        return v

    @model_validator(mode="after")
    def _real_day(self) -> MonthDay:
        try:
            date(2024, self.month, self.day)  # a leap year, so 02-29 is allowed
        except ValueError:
            raise ValueError(f"{self.month:02d}-{self.day:02d} is not a day of the year") from None
        return self

    def on(self, year: int) -> date:
        if (self.month, self.day) == (2, 29) and not calendar.isleap(year):
            return date(year, 2, 28)
        return date(year, self.month, self.day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


class Window(_Strict):
    """Open between two days of the cycle's year (Tetap stages); a window
    that ends in the next year says so, so a typo cannot make one."""

    kind: Literal["window"]
    opens: MonthDay
    closes: MonthDay
    crosses_year_end: bool = False

    @model_validator(mode="after")
    def _in_order(self) -> Window:
        backwards = (self.closes.month, self.closes.day) < (self.opens.month, self.opens.day)
        if backwards and not self.crosses_year_end:
            raise ValueError("the window closes before it opens "
                             "(add crosses_year_end: true for one that ends next year)")
        if self.crosses_year_end and not backwards:
            raise ValueError("crosses_year_end is set but the window closes in the year it opens")
        return self

    def dates(self, cycle: int) -> tuple[date, date]:
        return self.opens.on(cycle), self.closes.on(cycle + 1 if self.crosses_year_end else cycle)


class Sequence(_Strict):
    """Done in the order listed: each opens once the one before is complete
    (Profesi sessions 1-3, K:1032)."""

    kind: Literal["sequence"]


class Log(_Strict):
    """Any number of entries, each with its own date (Langsa's tables)."""

    kind: Literal["log"]
    # How far back an entry may be dated (L: the table is kept as it happens).
    max_age_days: int = Field(default=60, ge=1)


Schedule = Annotated[Window | Sequence | Log, Field(discriminator="kind")]


class Enrolment(_Strict):
    """How a person comes to be in the program.

    automatic: every employee of the instansi, with the roster's coach
    (penilai, else atasan). request: the person asks a coach from those with
    the `coaches` role in their unit, who approves or declines. `flag`
    limits either to people the roster marks so (Talenta, K:657)."""

    mode: Literal["automatic", "request"]
    coaches: str | None = None
    flag: str | None = None

    @model_validator(mode="after")
    def _coaches_for_requests(self) -> Enrolment:
        if (self.mode == "request") != (self.coaches is not None):
            raise ValueError("coaches (the roster role to choose from) is given exactly when mode is request")
        return self


class Prefill(_Strict):
    """Answers carried over from the latest of earlier activities, editable
    (check-ins start from the Rencana's RHK / IKI / Target, K:924)."""

    from_: tuple[str, ...] = Field(alias="from", min_length=1)
    fields: tuple[str, ...] = Field(min_length=1)


class Activity(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    # Other names people use for it; matched like the title when typed.
    aliases: tuple[str, ...] = ()
    # Its column on the seed's monitoring sheets (Perencanaan, Checkpoint 1,
    # K:1353), which PICs know: monitoring outputs name it so, and it is
    # matched like an alias.
    sheet: str | None = None
    form: str
    schedule: Schedule
    filled_by: Filler = "coachee"
    sign_by: Signer | None = "coach"
    readers: tuple[Reader, ...] = ()
    # Another activity whose stage this one completes with (the coach's
    # Tetap evaluation belongs to the Evaluasi stage, K:953).
    part_of: str | None = None
    prefill: Prefill | None = None
    jp: JpRule | None = None

    @property
    def window(self) -> Window | None:
        return self.schedule if isinstance(self.schedule, Window) else None

    @property
    def other_names(self) -> tuple[str, ...]:
        """What else people call it: its aliases and its sheet column."""
        return (*self.aliases, self.sheet) if self.sheet else self.aliases


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = get_args(Weekday)


class StageWindowReminders(_Strict):
    """Reminders along each activity window: when it opens (the coachee and
    their coach are told what is due and by when), at mid-window and some
    days before it closes to those who have not completed it, and one
    overdue notice after it closes. `activities` limits them to some
    windows (all by default). A mandatory program's stage reminders cannot
    be turned off by the person."""

    kind: Literal["stage_window"]
    activities: tuple[str, ...] = ()
    mid: bool = True
    before_close_days: int | None = Field(default=14, ge=1)
    overdue: bool = True
    mandatory: bool = True


class CadenceReminders(_Strict):
    """An activity expected every N days or `min` times a calendar period;
    the coachee is reminded (and the coach told to expect it) when too few
    entries were logged or scheduled. A gentle cadence reminds at most once
    a quarter (Kemlu's "sesuai kebutuhan")."""

    kind: Literal["cadence"]
    activity: str
    every_days: int | None = Field(default=None, ge=1)
    per: Literal["month", "quarter"] | None = None
    min: int = Field(default=1, ge=1)
    gentle: bool = False

    @model_validator(mode="after")
    def _one_period(self) -> CadenceReminders:
        if (self.every_days is None) == (self.per is None):
            raise ValueError("give exactly one of every_days and per")
        if self.every_days is not None and self.min != 1:
            raise ValueError("min counts entries per calendar period; use it with per")
        return self


class CoachBacklogReminders(_Strict):
    """A coach with forms waiting for review `after_days` gets one nudge,
    then one every `then_every_days` while anything waits."""

    kind: Literal["coach_backlog"]
    after_days: int = Field(default=3, ge=1)
    then_every_days: int = Field(default=7, ge=1)


class PicDigest(_Strict):
    """Each PIC and koordinator gets their scope's counts once a week, at a
    local time."""

    kind: Literal["pic_digest"]
    weekday: Weekday = "monday"
    at: time = time(8)

    @field_validator("at", mode="before")
    @classmethod
    def _hh_mm(cls, v: Any) -> Any:
        if isinstance(v, int):  # YAML 1.1 reads an unquoted 08:00 as minutes
            return time(v // 60, v % 60) if 0 <= v < 24 * 60 else v
        if isinstance(v, str):
            try:
                hh, mm = v.split(":")
                return time(int(hh), int(mm))
            except ValueError:
                raise ValueError(f"expected HH:MM, got {v!r}") from None
        return v


# Scheduled sessions (the later /jadwal) will be one more member here.
Reminders = Annotated[StageWindowReminders | CadenceReminders | CoachBacklogReminders | PicDigest,
                      Field(discriminator="kind")]


class QuarterlyProof(_Strict):
    """A Bukti Keterangan for each quarter in which the person held dialogs
    (K:829-852): the JP of the program's dialogs held in that quarter,
    signed by the Kepala Unit Kerja / Satuan Kerja. `issuer` is the instansi
    printed under its title."""

    kind: Literal["quarterly_proof"]
    issuer: str


class Certificate(_Strict):
    """A certificate once `after` is complete (the coach's evaluation,
    K:1045), to the coachee, the coach, or both (K:1091-1101), signed by the
    Kepala Unit Kerja."""

    kind: Literal["certificate"]
    after: str
    to: tuple[Literal["coachee", "coach"], ...] = Field(default=("coachee", "coach"), min_length=1)


Documents = Annotated[QuarterlyProof | Certificate, Field(discriminator="kind")]


class ProgramSpec(_Strict):
    id: str
    version: int = Field(ge=1)
    title: str
    enrolment: Enrolment = Enrolment(mode="automatic")
    activities: tuple[Activity, ...] = Field(min_length=1)
    reminders: tuple[Reminders, ...] = ()
    documents: tuple[Documents, ...] = ()

    @model_validator(mode="after")
    def _documents_name_activities(self) -> ProgramSpec:
        ids = {a.id for a in self.activities}
        for d in self.documents:
            if isinstance(d, Certificate) and d.after not in ids:
                raise ValueError(f"documents: certificate after unknown activity {d.after!r}")
        return self

    @property
    def quarterly_proof(self) -> QuarterlyProof | None:
        return next((d for d in self.documents if isinstance(d, QuarterlyProof)), None)

    @property
    def certificate(self) -> Certificate | None:
        return next((d for d in self.documents if isinstance(d, Certificate)), None)

    @field_validator("activities")
    @classmethod
    def _unique_ids(cls, activities: tuple[Activity, ...]) -> tuple[Activity, ...]:
        ids = [a.id for a in activities]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"activity ids used twice: {dupes}")
        for a in activities:
            for other in (a.part_of, *(a.prefill.from_ if a.prefill else ())):
                if other is not None and other not in ids:
                    raise ValueError(f"{a.id}: unknown activity {other!r}")
        return activities

    def activity(self, activity_id: str) -> Activity:
        found = self.find(activity_id)
        if found is None:
            raise KeyError(activity_id)
        return found

    def find(self, activity_id: str) -> Activity | None:
        return next((a for a in self.activities if a.id == activity_id), None)

    @property
    def stages(self) -> tuple[Activity, ...]:
        """The activities monitoring counts: each one not part of another."""
        return tuple(a for a in self.activities if a.part_of is None)

    def parts(self, stage: Activity) -> tuple[Activity, ...]:
        """The activities that are part of a stage (the coach's evaluation of the Evaluasi)."""
        return tuple(a for a in self.activities if a.part_of == stage.id)

    def message_keys(self) -> set[str]:
        keys = {self.title}
        for a in self.activities:
            keys.add(a.title)
            if a.jp:
                keys.update(a.jp.message_keys())
        return keys
