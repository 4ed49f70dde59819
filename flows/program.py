"""Where a person stands in a program's yearly cycle, and what it earns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flows.form_spec import FormSpec
from flows.jp import JpRule
from flows.program_spec import Activity, ProgramSpec
from flows.validators import plain

# The yearly competency-development right of every ASN (seed L:22).
JP_RIGHT_PER_YEAR = 20


class Status(StrEnum):
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the coach
    RETURNED = "returned"  # sent back by the coach for revision
    CONFIRMED = "confirmed"


@dataclass(frozen=True, slots=True)
class ActivityWindow:
    activity: Activity
    opens: date
    closes: date

    def contains(self, day: date) -> bool:
        return self.opens <= day <= self.closes


def windows(program: ProgramSpec, cycle: int) -> list[ActivityWindow]:
    """The program's dated activities in the cycle that begins in `cycle`."""
    return [ActivityWindow(a, *a.window.dates(cycle)) for a in program.activities if a.window]


def closes_on(activity: Activity, cycle: int) -> date | None:
    return activity.window.dates(cycle)[1] if activity.window else None


def open_to_all(program: ProgramSpec, flags: frozenset[str]) -> bool:
    """Whether someone with these roster flags takes part without asking:
    the program enrols everyone, or everyone the roster flags for it."""
    rule = program.enrolment
    return rule.mode == "automatic" and (rule.flag is None or rule.flag in flags)


def cycles(program: ProgramSpec, today: date) -> list[int]:
    """The cycles whose activities may be open today: last year's too while
    a window that crosses the year end may still run."""
    crossing = any(a.window and a.window.crosses_year_end for a in program.activities)
    return [today.year - 1, today.year] if crossing else [today.year]


def current_stage(program: ProgramSpec, today: date) -> Activity | None:
    """The stage whose window contains today, if any."""
    for cycle in reversed(cycles(program, today)):
        for w in windows(program, cycle):
            if w.activity.part_of is None and w.contains(today):
                return w.activity
    return None


@dataclass(frozen=True, slots=True)
class Due:
    activity: Activity
    late: bool
    status: Status


def is_done(status: Status) -> bool:
    return status is Status.CONFIRMED


_COACHEE_TURN = frozenset({Status.NOT_STARTED, Status.DRAFT, Status.RETURNED})


def coachee_turn(activity: Activity, status: Status) -> bool:
    """Whether the coachee has something to fill in this activity now."""
    return status in _COACHEE_TURN and activity.filled_by != "coach"


def opened(program: ProgramSpec, activity: Activity, statuses: Mapping[str, Status], cycle: int,
           today: date) -> bool:
    """Whether the activity can be worked on: its window has opened, or every
    earlier step of its sequence is complete. A log is always open."""
    if activity.window:
        return activity.window.dates(cycle)[0] <= today
    if activity.schedule.kind == "sequence":
        earlier = program.activities[:program.activities.index(activity)]
        return all(is_done(statuses.get(a.id, Status.NOT_STARTED))
                   for a in earlier if a.schedule.kind == "sequence")
    return True


def due_activity(program: ProgramSpec, statuses: Mapping[str, Status], today: date,
              cycle: int | None = None) -> Due | None:
    """The earliest activity the coachee can work on now: not complete, not
    waiting for the coach, and open. A stage past its window is flagged
    late, never refused. Logs are never due: entries are made with /sesi."""
    cycle = today.year if cycle is None else cycle
    for activity in program.activities:
        if activity.schedule.kind == "log":
            continue
        status = statuses.get(activity.id, Status.NOT_STARTED)
        if not coachee_turn(activity, status):
            if activity.schedule.kind == "sequence" and not is_done(status):
                return None  # in order: nothing after a step still open
            continue
        if not opened(program, activity, statuses, cycle, today):
            return None
        closes = closes_on(activity, cycle)
        return Due(activity, closes is not None and today > closes, status)
    return None


def activity_day(form: FormSpec, answers: Mapping[str, str], sent: date) -> date:
    """The day an activity took place: the form's first date answer (the
    dialog's Hari/Tanggal), else the day it was sent."""
    for f in form.fields:
        if f.type == "date" and answers.get(f.name):
            return date.fromisoformat(answers[f.name])
    return sent


def jp_rule(programs: Mapping[str, ProgramSpec], program_id: str, activity_id: str) -> JpRule | None:
    """An activity's JP rule; None when it has none (or the program or activity is unknown)."""
    program = programs.get(program_id)
    activity = program.find(activity_id) if program else None
    return activity.jp if activity else None


def find_stage(program: ProgramSpec, typed: str, titles: Mapping[str, Iterable[str]],
               among: Iterable[Activity] | None = None) -> Activity | None:
    """The stage (or, given `among`, the activity) someone named: by id,
    alias, or its title in any language (`titles` maps an id to its
    rendered titles); a unique prefix will do."""
    wanted = plain(typed)
    if not wanted:
        return None
    names = {s.id: {plain(n) for n in (s.id, *s.other_names, *titles.get(s.id, ()))}
             for s in (program.stages if among is None else among)}
    exact = [sid for sid, ns in names.items() if wanted in ns]
    if len(exact) == 1:
        return program.activity(exact[0])
    prefix = [sid for sid, ns in names.items() if any(n.startswith(wanted) for n in ns)]
    return program.activity(prefix[0]) if len(prefix) == 1 else None
