"""Where a person stands in a program's yearly cycle, and what it earns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flows.jp import Claim, JpRule, credit
from flows.spec import ProgramSpec, Stage
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
class StageWindow:
    stage: Stage
    opens: date
    closes: date

    def contains(self, day: date) -> bool:
        return self.opens <= day <= self.closes


def windows(program: ProgramSpec, year: int) -> list[StageWindow]:
    return [StageWindow(s, s.window.opens.on(year), s.window.closes.on(year)) for s in program.stages]


def current_stage(program: ProgramSpec, today: date) -> Stage | None:
    """The stage whose window contains today, if any."""
    return next((w.stage for w in windows(program, today.year) if w.contains(today)), None)


@dataclass(frozen=True, slots=True)
class Due:
    stage: Stage
    late: bool
    status: Status


def due_stage(program: ProgramSpec, statuses: Mapping[str, Status], today: date) -> Due | None:
    """The earliest coachee stage the person can work on now: not yet confirmed, not
    waiting for the coach, and already open. A stage past its window is
    flagged late, never refused."""
    for w in windows(program, today.year):
        if w.stage.filled_by != "coachee":
            continue
        status = statuses.get(w.stage.id, Status.NOT_STARTED)
        if status in (Status.CONFIRMED, Status.SUBMITTED):
            continue
        if w.opens > today:
            return None
        return Due(w.stage, today > w.closes, status)
    return None


def jp_earned(stage: Stage, answers: Mapping[str, str], day: date) -> int:
    """JP credited when this stage's form is completed (one per stage a year)."""
    if stage.jp is None:
        return 0
    line = credit(stage.jp, Claim("", stage.id, day, answers), ())
    return int(line.credited)


def jp_rule(programs: Mapping[str, ProgramSpec], program_id: str, stage_id: str) -> JpRule | None:
    """A stage's JP rule; None when it has none (or the program or stage is unknown)."""
    program = programs.get(program_id)
    stage = program.find(stage_id) if program else None
    return stage.jp if stage else None


def find_stage(program: ProgramSpec, typed: str, titles: Mapping[str, Iterable[str]]) -> Stage | None:
    """The stage someone named: by id, alias, or its title in any language
    (`titles` maps stage id to its rendered titles); a unique prefix will do."""
    wanted = plain(typed)
    if not wanted:
        return None
    names = {s.id: {plain(n) for n in (s.id, *s.aliases, *titles.get(s.id, ()))} for s in program.stages}
    exact = [sid for sid, ns in names.items() if wanted in ns]
    if len(exact) == 1:
        return program.stage(exact[0])
    prefix = [sid for sid, ns in names.items() if any(n.startswith(wanted) for n in ns)]
    return program.stage(prefix[0]) if len(prefix) == 1 else None
