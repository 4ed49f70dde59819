"""Which reminder kinds a person may turn off (/pengingat), and which stay
on: the stage reminders of a mandatory program, whatever they choose. The
policy (`flows.reminders`) and the sender's last check both ask here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flows.program_spec import ProgramSpec, Reminders, StageWindowReminders

OPTIONAL_KINDS = ("stage_window", "cadence", "session", "coach_backlog", "pic_digest")


def mandatory(rule: object | None) -> bool:
    """A mandatory program's stage reminders, which nobody can turn off."""
    return isinstance(rule, StageWindowReminders) and rule.mandatory


def turned_off(kind: str, muted: frozenset[str], rule: object | None) -> bool:
    """Whether someone who turned off the `muted` kinds is spared a reminder
    of `kind` that `rule` produced."""
    return not mandatory(rule) and kind.split(".")[0] in muted


def rule_for(program: ProgramSpec, kind: str, activity: str | None = None) -> Reminders | None:
    """The program's rule that produces reminders of `kind` (for `activity`)."""
    base = kind.split(".")[0]
    return next((r for r in program.reminders if r.kind == base and not (
        isinstance(r, StageWindowReminders) and r.activities and activity not in r.activities)), None)


@dataclass(frozen=True, slots=True)
class Choices:
    """What /pengingat offers someone: the optional kinds they may turn off
    (in OPTIONAL_KINDS order), and the programs whose stage reminders stay on."""

    optional: tuple[str, ...]
    always_on: tuple[str, ...]


def choices(taking: Iterable[ProgramSpec], running: Iterable[ProgramSpec], *, coach: bool,
            roles: frozenset[str]) -> Choices:
    """The reminder kinds that concern someone: stage windows and cadences of
    the programs they take part in, scheduled sessions for everyone, the
    review backlog for coaches and the weekly digest for PICs and koordinator."""
    taking = tuple(taking)
    mine = {r.kind for p in taking for r in p.reminders if not mandatory(r)}
    declared = {r.kind for p in running for r in p.reminders}
    wanted = {"stage_window": "stage_window" in mine, "cadence": "cadence" in mine, "session": True,
              "coach_backlog": coach and "coach_backlog" in declared,
              "pic_digest": bool(roles & {"pic", "koordinator"}) and "pic_digest" in declared}
    return Choices(tuple(k for k in OPTIONAL_KINDS if wanted[k]),
                   tuple(p.id for p in taking if any(mandatory(r) for r in p.reminders)))
