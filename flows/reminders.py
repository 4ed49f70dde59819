"""Which reminders are due: a pure function of the program specs, the people
and where they stand, and the clock.

The scheduler runs `due_reminders` every few minutes and queues each result
under its idempotency key (INSERT ... ON CONFLICT DO NOTHING), so a
reminder is queued once however many ticks see it, and once after downtime:
of a stage's reminders only the latest due one is returned (an opening
notice missed during downtime is superseded by the mid-window one), and a
nudge series returns only its latest step.

Each reminder's `not_before` is its moment moved out of quiet hours and days
off, in the recipient's zone; one that came due while nobody looked waits
for the next allowed moment from now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import cast

from flows.messages import Msg
from flows.program import Status, coachee_turn, cycles, is_done, windows
from flows.program_spec import (
    WEEKDAYS,
    Activity,
    CadenceReminders,
    CoachBacklogReminders,
    PicDigest,
    ProgramSpec,
    StageWindowReminders,
)
from flows.recap import stage_label
from flows.reminder_facts import (
    DEFAULT_QUIET,
    DEFAULT_TIMEZONE,
    NO_FACTS,
    OVERDUE_WITHIN_DAYS,
    SESSION_DAY_BEFORE,
    SESSION_SOON,
    Ctx,
    Facts,
    LogKey,
    Person,
    QuietHours,
    Reminder,
    Session,
    StatusKey,
)
from flows.reminder_kinds import turned_off

__all__ = ["DEFAULT_TIMEZONE", "OVERDUE_WITHIN_DAYS", "Facts", "LogKey", "Person", "QuietHours", "Reminder",
           "Session", "StatusKey", "due_reminders"]



def due_reminders(programs: Iterable[ProgramSpec], people: Iterable[Person],
                  statuses: Mapping[StatusKey, Status], now: datetime,
                  sent_keys: frozenset[str] = frozenset(), *, facts: Facts = NO_FACTS,
                  quiet: QuietHours = DEFAULT_QUIET, default_timezone: str = DEFAULT_TIMEZONE
                  ) -> list[Reminder]:
    """The reminders due at `now` (timezone-aware), without those whose key
    is in `sent_keys`, in a stable order."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    ctx = Ctx(tuple(people), statuses, now, quiet, default_timezone, facts)
    by_id = {p.id: p for p in programs}
    found: dict[str, Reminder] = {}
    for program in by_id.values():
        for rule in program.reminders:
            if isinstance(rule, StageWindowReminders):
                produced = _stage_windows(ctx, program, rule)
            elif isinstance(rule, CadenceReminders):
                produced = _cadence(ctx, program, rule)
            elif isinstance(rule, CoachBacklogReminders):
                produced = _coach_backlog(ctx, program, rule)
            else:
                produced = _pic_digest(ctx, program, rule)
            _keep(ctx, produced, rule, sent_keys, found)
    _keep(ctx, _sessions(ctx, by_id), None, sent_keys, found)
    return sorted(found.values(), key=lambda r: (r.not_before, r.key))


def _keep(ctx: Ctx, produced: list[Reminder], rule: object | None, sent_keys: frozenset[str],
          found: dict[str, Reminder]) -> None:
    for r in produced:
        key = r.key
        if key not in sent_keys and key not in found and _wanted(ctx.by_id[r.recipient], r, rule):
            found[key] = r


def _wanted(person: Person, reminder: Reminder, rule: object | None) -> bool:
    if person.unreachable:
        return False  # no chat to send to; the PIC digest counts them instead
    return not turned_off(reminder.kind, person.muted, rule)



# --- stage windows ---------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Step:
    """One stage with something due, as it stands for everyone who shares a
    zone and whose coach shares a zone: worked out once for all of them."""

    cycle: int
    activity: Activity
    # The coachee's reminder when it is their turn: kind, message, not_before.
    coachee: tuple[str, Msg, datetime] | None
    # The coach's moment and day (the coach's notices follow the coach's own
    # day, so that coachees in other zones are counted in the same tick).
    coach: tuple[str, date] | None


def _steps(ctx: Ctx, program: ProgramSpec, rule: StageWindowReminders, person: Person,
           coach: Person | None) -> list[_Step]:
    key = ("steps", program.id, id(rule), ctx.zone_name(person), ctx.zone_name(coach) if coach else None)
    steps: list[_Step] | None = cast("list[_Step] | None", ctx.memo.get(key))
    if steps is None:
        today = ctx.today(person)
        steps = []
        ctx.memo[key] = steps
        for cycle, w in ctx.live_windows(program, rule, today):
            latest = ctx.latest(rule, w, today)
            on_coach_day = ctx.latest(rule, w, ctx.today(coach)) if coach is not None else None
            if latest is None and on_coach_day is None:
                continue  # nothing of this window is due for either
            coachee = None
            if latest is not None and w.activity.filled_by != "coach":
                moment, day = latest
                coachee = (f"stage_window.{moment}", _stage_msg(moment, w.activity, w.closes, today),
                           ctx.not_before_day(person, day))
            steps.append(_Step(cycle, w.activity, coachee, on_coach_day))
    return steps


def _stage_windows(ctx: Ctx, program: ProgramSpec, rule: StageWindowReminders) -> list[Reminder]:
    out: list[Reminder] = []
    # Coach-side notices, one per coach and stage however many coachees:
    # (coach, kind, activity, cycle, due day) -> coachees
    coach_side: dict[tuple[int, str, str, int, date], list[int]] = defaultdict(list)
    for person in ctx.enrolled(program):
        coach_id = person.coach_for(program.id)
        coach = ctx.by_id.get(coach_id) if coach_id is not None else None
        for step in _steps(ctx, program, rule, person, coach):
            activity = step.activity
            status = ctx.statuses.get((person.id, program.id, activity.id, step.cycle), Status.NOT_STARTED)
            if coach is not None and step.coach is not None:
                if activity.filled_by == "coach" and not is_done(status):
                    coach_side[(coach.id, f"stage_window.{step.coach[0]}.coach", activity.id, step.cycle,
                                step.coach[1])].append(person.id)
                elif step.coach[0] == "open" and coachee_turn(activity, status):
                    coach_side[(coach.id, "stage_window.open.coachees", activity.id, step.cycle,
                                step.coach[1])].append(person.id)
            if step.coachee is not None and coachee_turn(activity, status):
                # Not the coach's, not complete, not waiting for the coach (the backlog's).
                kind, msg, not_before = step.coachee
                out.append(Reminder(person.id, kind, program.id, f"{activity.id}@{step.cycle}", not_before,
                                    msg, activity.id))
    closing = {(cycle, w.activity.id): w.closes for cycle in {key[3] for key in coach_side}
               for w in windows(program, cycle)}
    for (coach_id, kind, activity_id, cycle, day), coachees in coach_side.items():
        coach = ctx.by_id[coach_id]
        activity = program.activity(activity_id)
        closes = closing[(cycle, activity_id)]
        moment = kind.split(".")[1]
        msg = (Msg("reminder.stage_open.coachees", {"stage": Msg(activity.title), "closes": closes,
                                                    "count": len(coachees)})
               if kind.endswith(".coachees") else _coach_stage_msg(moment, activity, closes, len(coachees)))
        out.append(Reminder(coach_id, kind, program.id, f"{activity_id}@{cycle}",
                            ctx.not_before(coach, ctx.day_start(coach, day)), msg, activity_id))
    return out


def _stage_msg(moment: str, activity: Activity, closes: date, today: date) -> Msg:
    params = {"stage": Msg(activity.title), "closes": closes}
    if moment == "open":
        return Msg("reminder.stage_open", params)
    if moment == "mid":
        return Msg("reminder.stage_mid", params)
    if moment == "before_close":
        return Msg("reminder.stage_before_close", {**params, "days": (closes - today).days})
    return Msg("reminder.stage_overdue", params)


def _coach_stage_msg(moment: str, activity: Activity, closes: date, count: int) -> Msg:
    params = {"stage": Msg(activity.title), "closes": closes, "count": count}
    if moment == "overdue":
        return Msg("reminder.coach_stage_overdue", params)
    if moment == "open":
        return Msg("reminder.coach_stage_open", params)
    return Msg("reminder.coach_stage_pending", params)


# --- cadence ---------------------------------------------------------------

def _quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _period(day: date, per: str) -> tuple[date, date, str]:
    """The calendar period containing `day`: first day, last day, name."""
    if per == "month":
        first = day.replace(day=1)
        name = f"{day.year}-{day.month:02d}"
    else:
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        name = _quarter(day)
    months = 1 if per == "month" else 3
    nxt = date(first.year + (first.month + months - 1) // 12, (first.month + months - 1) % 12 + 1, 1)
    return first, nxt - timedelta(days=1), name


def _cadence(ctx: Ctx, program: ProgramSpec, rule: CadenceReminders) -> list[Reminder]:
    out: list[Reminder] = []
    activity = program.activity(rule.activity)
    for person in ctx.enrolled(program):
        today = ctx.today(person)
        entries = sorted(ctx.facts.entries.get((person.id, program.id, activity.id), ()))
        if rule.every_days is not None:
            since = max([d for d in entries if d <= today], default=person.joined or date(today.year, 1, 1))
            overdue = (today - since).days // rule.every_days
            if overdue < 1:
                continue
            day = since + timedelta(days=overdue * rule.every_days)
            period = f"{since}+{overdue}"
            params: dict[str, object] = {"activity": Msg(activity.title), "days": rule.every_days,
                                         "since": since}
            key = "reminder.cadence_every"
        else:
            assert rule.per is not None
            first, last, period = _period(today, rule.per)
            day = first + (last - first) // 2  # mid-period, leaving time to catch up
            count = sum(first <= d <= last for d in entries)
            if today < day or count >= rule.min or (person.joined and person.joined > first):
                continue
            params = {"activity": Msg(activity.title), "count": count, "min": rule.min}
            key = f"reminder.cadence_{rule.per}"
        subject = f"{activity.id}@{_quarter(day) if rule.gentle else period}"
        out.append(Reminder(person.id, "cadence", program.id, subject,
                            ctx.not_before(person, ctx.day_start(person, day)), Msg(key, params),
                            activity.id))
        coach_id = person.coach_for(program.id)
        coach = ctx.by_id.get(coach_id) if coach_id is not None else None
        if coach is not None and not rule.gentle:
            out.append(Reminder(coach.id, "cadence.coach", program.id, f"{person.id}/{subject}",
                                ctx.not_before(coach, ctx.day_start(coach, day)),
                                Msg("reminder.cadence_coach", {"coachee": person.name,
                                                               "activity": Msg(activity.title)}),
                                activity.id))
    return out


# --- coach backlog ---------------------------------------------------------

def _coach_backlog(ctx: Ctx, program: ProgramSpec, rule: CoachBacklogReminders) -> list[Reminder]:
    waiting: dict[int, list[datetime]] = defaultdict(list)
    for (pid, prog, _activity, _cycle), status in ctx.statuses.items():
        if prog != program.id or status is not Status.SUBMITTED:
            continue
        person = ctx.by_id.get(pid)
        coach_id = person.coach_for(prog) if person is not None else None
        if coach_id is None:
            continue
        since = ctx.facts.submitted_at.get((pid, prog, _activity, _cycle))
        if since is not None:
            waiting[coach_id].append(since)
    out: list[Reminder] = []
    for coach_id, times in waiting.items():
        coach = ctx.by_id.get(coach_id)
        if coach is None:
            continue
        # The series runs from the oldest form waiting; a new series begins
        # when that one is reviewed.
        since = min(times)
        first = since + timedelta(days=rule.after_days)
        if ctx.now < first:
            continue
        step = (ctx.now - first) // timedelta(days=rule.then_every_days)
        moment = first + step * timedelta(days=rule.then_every_days)
        out.append(Reminder(
            coach_id, "coach_backlog", program.id, f"{since.astimezone(UTC):%Y%m%dT%H%M}#{step}",
            ctx.not_before(coach, moment),
            Msg("reminder.coach_backlog", {"count": len(times), "days": (ctx.now - since).days})))
    return out


# --- PIC digest ------------------------------------------------------------

def _pic_digest(ctx: Ctx, program: ProgramSpec, rule: PicDigest) -> list[Reminder]:
    out: list[Reminder] = []
    by_unit: dict[str | None, list[Person]] = defaultdict(list)
    for p in ctx.enrolled(program):
        by_unit[p.unit].append(p)
    for pic in ctx.people:
        if not pic.digest_units:
            continue
        local_now = ctx.now.astimezone(ctx.zone(pic))
        today = local_now.date()
        day = today - timedelta(days=(today.weekday() - WEEKDAYS.index(rule.weekday)) % 7)
        moment = datetime.combine(day, rule.at, ctx.zone(pic))
        if local_now < moment:
            continue  # this week's is not yet due; last week's was queued last week
        scope = [p for unit in pic.digest_units for p in by_unit.get(unit, ())]
        stage = _current_window(program, day)
        done = 0 if stage is None else sum(
            is_done(ctx.status(p, program, stage[0], stage[1])) for p in scope)
        params: dict[str, object] = {
            "program": Msg(program.title),
            "stage": stage_label(stage[0]) if stage else Msg("reminder.no_stage"),
            "total": len(scope), "done": done, "pending": len(scope) - done,
            "unreachable": sum(p.unreachable for p in scope)}
        iso = day.isocalendar()
        out.append(Reminder(pic.id, "pic_digest", program.id, f"{iso.year}-W{iso.week:02d}",
                            ctx.not_before(pic, moment), Msg("reminder.pic_digest", params)))
    return out


def _current_window(program: ProgramSpec, day: date) -> tuple[Activity, int] | None:
    for cycle in reversed(cycles(program, day)):
        for w in windows(program, cycle):
            if w.activity.part_of is None and w.contains(day):
                return w.activity, cycle
    return None


# --- scheduled sessions ----------------------------------------------------

def _sessions(ctx: Ctx, programs: Mapping[str, ProgramSpec]) -> list[Reminder]:
    """Both parties, the day before at 16:00 their time and an hour before;
    of the two only the latest due, so downtime queues one, not both. A day
    before that falls in quiet hours or a day off moves to the next allowed
    moment, unless that is already the hour before."""
    out: list[Reminder] = []
    for session in ctx.facts.sessions:
        if session.starts_at <= ctx.now:
            continue
        soon = session.starts_at - SESSION_SOON
        for who, other in ((session.coachee, session.coach), (session.coach, session.coachee)):
            person = ctx.by_id.get(who) if who is not None else None
            if person is None:
                continue
            # A coach with several sessions that day tells them apart by the coachee.
            partner = ctx.by_id.get(other) if other is not None else None
            zone = ctx.zone(person)
            local_start = session.starts_at.astimezone(zone)
            eve = ctx.quiet.next_allowed(datetime.combine(local_start.date() - timedelta(days=1),
                                                          SESSION_DAY_BEFORE, zone))
            program = programs.get(session.program)
            activity = program.find(session.activity) if program else None
            if activity is None:
                continue  # the program is no longer run here
            params: dict[str, object] = {"activity": Msg(activity.title), "day": local_start.date(),
                                         "at": f"{local_start:%H:%M}"}
            if ctx.now >= soon:
                moment, when, key = "soon", soon, "reminder.session_soon"
            elif ctx.now >= eve and eve < soon:
                moment, when, key = "day_before", eve.astimezone(UTC), "reminder.session_day_before"
            else:
                continue
            if partner is not None:
                key, params["with"] = f"{key}_with", partner.name
            # The hour before is not held for quiet hours: the session is now.
            not_before = max(when, ctx.now) if moment == "soon" else ctx.not_before(person, when)
            out.append(Reminder(person.id, f"session.{moment}", session.program, f"s{session.id}",
                                not_before, Msg(key, params), session.activity))
    return out
