"""What the reminder policy reads and returns, and the working context of
one evaluation: people, reminders, facts, quiet hours; each zone's day,
each window and each shared message worked out once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flows.messages import Msg
from flows.program import ActivityWindow, Status, cycles, windows
from flows.program_spec import Activity, ProgramSpec, StageWindowReminders

DEFAULT_TIMEZONE = "Asia/Jakarta"
# An overdue notice for a stage closed longer ago than this is no longer news
# (someone who joined in July is not told that the Rencana was due in March).
OVERDUE_WITHIN_DAYS = 30

# (person id, program id, activity id, cycle)
StatusKey = tuple[int, str, str, int]
# (person id, program id, activity id)
LogKey = tuple[int, str, str]


@dataclass(frozen=True, slots=True)
class QuietHours:
    """When nobody is pinged (configurable per instansi): from `start` to
    `end` local, and all day on `days_off` (0 = Monday). A reminder that
    falls in them waits for `morning` of the next day that is not off:
    08:00, when the working day has begun, rather than 06:00."""

    start: time = time(21)
    end: time = time(6)
    morning: time = time(8)
    days_off: frozenset[int] = frozenset({5, 6})

    def __post_init__(self) -> None:
        if not self.end <= self.morning < self.start:
            raise ValueError("morning must fall between the end and the start of quiet hours")
        if len(self.days_off) >= 7:
            raise ValueError("at least one day of the week must allow reminders")

    def allowed(self, local: datetime) -> bool:
        return local.weekday() not in self.days_off and self.end <= local.time() < self.start

    def next_allowed(self, local: datetime) -> datetime:
        """`local` itself if allowed, else the next allowed morning, in its zone."""
        if self.allowed(local):
            return local
        day = local.date() + timedelta(days=1) if local.time() >= self.start else local.date()
        while day.weekday() in self.days_off:
            day += timedelta(days=1)
        return datetime.combine(day, self.morning, local.tzinfo)

    def not_before(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """`moment` moved out of quiet hours in `zone`, in UTC."""
        return self.next_allowed(moment.astimezone(zone)).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Person:
    """What the policy needs to know of someone. `programs` are those they
    take part in as coachee; `digest_units` the units whose weekly digest
    they get (a PIC's unit, a koordinator's all); `unreachable` when they
    blocked the bot or never linked it; `muted` the optional reminder kinds
    they turned off; `coach_id` the roster's coach (penilai, else atasan)."""

    id: int
    name: str = ""
    unit: str | None = None
    timezone: str | None = None
    unit_timezone: str | None = None
    coach_id: int | None = None
    programs: frozenset[str] = frozenset()
    joined: date | None = None
    digest_units: frozenset[str] = frozenset()
    unreachable: bool = False
    muted: frozenset[str] = frozenset()
    # Coaches chosen for a program (Profesi, Talenta), by program id.
    coaches: Mapping[str, int] = field(default_factory=dict)

    def coach_for(self, program: str) -> int | None:
        """Their coach in a program: the one they chose, else the roster's."""
        return self.coaches.get(program, self.coach_id)

    def zone(self, default: str = DEFAULT_TIMEZONE) -> ZoneInfo:
        """The person's zone, else their unit's, else the default."""
        return ZoneInfo(self.timezone or self.unit_timezone or default)


@dataclass(frozen=True, slots=True)
class Reminder:
    recipient: int
    kind: str
    program: str
    # The stage (`activity@cycle`) or period the reminder is about.
    subject: str
    not_before: datetime  # UTC
    message: Msg
    activity: str | None = None

    @property
    def key(self) -> str:
        """Who, what, which program, which stage or period: the outbox's
        idempotency key."""
        return f"{self.recipient}:{self.kind}:{self.program}:{self.subject}"


@dataclass(frozen=True, slots=True)
class Session:
    """A session a coachee and coach scheduled (`/jadwal`)."""

    id: int
    coachee: int
    coach: int | None
    program: str
    activity: str
    starts_at: datetime


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything beyond statuses that some kind needs: when each form
    waiting for review was submitted (coach backlog), the days on which
    log entries were made or scheduled (cadence), and the sessions ahead."""

    submitted_at: Mapping[StatusKey, datetime] = field(default_factory=dict)
    entries: Mapping[LogKey, Sequence[date]] = field(default_factory=dict)
    sessions: Sequence[Session] = ()


# Scheduled sessions are reminded the day before at this local time, and
# this long before they start.
SESSION_DAY_BEFORE = time(16)
SESSION_SOON = timedelta(hours=1)



@dataclass(slots=True)
class Ctx:
    people: tuple[Person, ...]
    statuses: Mapping[StatusKey, Status]
    now: datetime
    quiet: QuietHours
    default_timezone: str
    facts: Facts
    by_id: dict[int, Person] = field(init=False)

    # Memos: an instansi has a few zones, days, windows and messages, shared
    # by thousands of people; working them out once each keeps a tick of
    # 100,000 people within seconds.
    _days: dict[str | None, date] = field(init=False, default_factory=dict)
    _windows: dict[tuple[str, int], list[ActivityWindow]] = field(init=False, default_factory=dict)
    _latest_of: dict[tuple[int, int, date], tuple[str, date] | None] = field(init=False, default_factory=dict)
    _starts: dict[tuple[str, date], datetime] = field(init=False, default_factory=dict)
    _cycles: dict[tuple[str, date], list[int]] = field(init=False, default_factory=dict)
    _live: dict[tuple[str, int, date], list[tuple[int, ActivityWindow]]] = field(init=False,
                                                                                  default_factory=dict)
    # Whatever else a kind works out once per zone, stage or day.
    memo: dict[tuple[object, ...], object] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {p.id: p for p in self.people}

    def zone_name(self, person: Person) -> str:
        return person.timezone or person.unit_timezone or self.default_timezone

    def zone(self, person: Person) -> ZoneInfo:
        return person.zone(self.default_timezone)

    def today(self, person: Person) -> date:
        name = person.timezone or person.unit_timezone
        day = self._days.get(name)
        if day is None:
            day = self._days[name] = self.now.astimezone(self.zone(person)).date()
        return day

    def cycles(self, program: ProgramSpec, today: date) -> list[int]:
        key = (program.id, today)
        if key not in self._cycles:
            self._cycles[key] = cycles(program, today)
        return self._cycles[key]

    def windows(self, program: ProgramSpec, cycle: int) -> list[ActivityWindow]:
        key = (program.id, cycle)
        if key not in self._windows:
            self._windows[key] = windows(program, cycle)
        return self._windows[key]

    def live_windows(self, program: ProgramSpec, rule: StageWindowReminders,
                     today: date) -> list[tuple[int, ActivityWindow]]:
        """(cycle, window) of the stages the rule covers in which something
        is due on `today` or on a day up to two either side (a coach's day in
        another zone), once per program, rule and day: most of a year's
        windows have nothing due, and a tick skips them for everyone at once."""
        key = (program.id, id(rule), today)
        if key not in self._live:
            near = [today + timedelta(days=d) for d in range(-2, 3)]
            self._live[key] = [
                (cycle, w) for cycle in self.cycles(program, today) for w in self.windows(program, cycle)
                if (not rule.activities or w.activity.id in rule.activities)
                and any(self.latest(rule, w, d) is not None for d in near)]
        return self._live[key]

    def latest(self, rule: StageWindowReminders, w: ActivityWindow, today: date) -> tuple[str, date] | None:
        key = (id(rule), id(w), today)
        if key not in self._latest_of:
            self._latest_of[key] = latest_moment(window_moments(rule, w.opens, w.closes), today)
        return self._latest_of[key]

    def not_before_day(self, person: Person, day: date) -> datetime:
        """`not_before` of the start of a local day, once per zone and day."""
        key = (self.zone(person).key, day)
        if key not in self._starts:
            self._starts[key] = self.not_before(person, self.day_start(person, day))
        return self._starts[key]

    def status(self, person: Person, program: ProgramSpec, activity: Activity, cycle: int) -> Status:
        return self.statuses.get((person.id, program.id, activity.id, cycle), Status.NOT_STARTED)

    def not_before(self, person: Person, moment: datetime) -> datetime:
        """The moment, or now if it has passed, moved out of quiet hours in
        the person's zone; in UTC."""
        return self.quiet.not_before(max(moment, self.now), self.zone(person))

    def day_start(self, person: Person, day: date) -> datetime:
        return datetime.combine(day, time(0), self.zone(person))

    def enrolled(self, program: ProgramSpec) -> list[Person]:
        return [p for p in self.people if program.id in p.programs]


# --- the moments of a stage window -------------------------------------------

def window_moments(rule: StageWindowReminders, opens: date, closes: date) -> list[tuple[str, date, date]]:
    """(moment, first day it is due, last day it is still relevant), in order."""
    mid = opens + (closes - opens) // 2
    out = [("open", opens, closes)]
    if rule.mid:
        out.append(("mid", mid, closes))
    if rule.before_close_days is not None:
        before = closes - timedelta(days=rule.before_close_days)
        if before > (mid if rule.mid else opens):
            out.append(("before_close", before, closes))
    if rule.overdue:
        out.append(("overdue", closes + timedelta(days=1), closes + timedelta(days=OVERDUE_WITHIN_DAYS)))
    return out


def latest_moment(moments: list[tuple[str, date, date]], today: date) -> tuple[str, date] | None:
    started = [m for m in moments if m[1] <= today]
    if not started or today > started[-1][2]:
        return None
    return started[-1][0], started[-1][1]


NO_FACTS = Facts()
DEFAULT_QUIET = QuietHours()
