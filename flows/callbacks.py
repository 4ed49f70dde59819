"""Every button payload Bina puts under a message, in one place.

A payload is a frozen dataclass with a short prefix; `pack` turns it into
Telegram's callback data (at most 64 bytes, checked here) and `unpack` turns
callback data back into the dataclass, or None for anything unknown or
malformed (an old message, a hand-crafted payload). Fields are `int` or
`str` and never contain the separator.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, get_args

SEP = ":"
MAX_BYTES = 64  # Telegram's limit for callback_data


@dataclass(frozen=True, slots=True)
class FormAction:
    """A button of an open form: made for one submission and one question
    (the cursor), so a button from an older message is recognised as stale."""

    PREFIX: ClassVar[str] = "f"
    submission_id: int
    cursor: int
    action: str  # o<i> option, d<n> n days ago, e<i> edit, back, skip, keep, send, cancel, ...


@dataclass(frozen=True, slots=True)
class ReviewAction:
    """A coach's button on a submitted form: v view, ok confirm, fix ask for
    changes, x cancel the comment prompt."""

    PREFIX: ClassVar[str] = "rv"
    submission_id: int
    action: str


@dataclass(frozen=True, slots=True)
class NotFilledPage:
    """A page of /belum_isi for one stage, of one unit in the caller's scope
    (0: the whole scope)."""

    PREFIX: ClassVar[str] = "bi"
    stage: str
    page: int
    unit: int = 0
    program: str = ""  # "": the program everyone takes part in


@dataclass(frozen=True, slots=True)
class SendToPics:
    """"Kirim ke PIC": each unit kerja's /belum_isi list to its PICs."""

    PREFIX: ClassVar[str] = "kp"
    stage: str
    unit: int = 0
    program: str = ""


@dataclass(frozen=True, slots=True)
class PickLanguage:
    PREFIX: ClassVar[str] = "lang"
    lang: str


@dataclass(frozen=True, slots=True)
class JoinProgram:
    """/program: ask to join a program that takes requests."""

    PREFIX: ClassVar[str] = "pj"
    program: str


@dataclass(frozen=True, slots=True)
class PickCoach:
    """/program: the coach asked for."""

    PREFIX: ClassVar[str] = "pc"
    program: str
    coach_id: int


@dataclass(frozen=True, slots=True)
class EnrolAction:
    """A request to join: ok approve, no decline (a reason is asked), nx
    cancel the reason prompt (coach); wd withdraw (the person who asked)."""

    PREFIX: ClassVar[str] = "en"
    enrolment_id: int
    action: str


@dataclass(frozen=True, slots=True)
class OpenActivity:
    """Open an activity's form about a coachee (the coachee themself, or the
    coach for a form only the coach fills or their part of a shared one)."""

    PREFIX: ClassVar[str] = "oa"
    program: str
    activity: str
    coachee_id: int
    cycle: int


@dataclass(frozen=True, slots=True)
class NewEntry:
    """/sesi: a new entry in one of a program's logs."""

    PREFIX: ClassVar[str] = "ne"
    program: str
    activity: str


@dataclass(frozen=True, slots=True)
class ViewRecord:
    """/riwayat, /coachee: read one form (only by those allowed to)."""

    PREFIX: ClassVar[str] = "vr"
    submission_id: int


@dataclass(frozen=True, slots=True)
class CoacheeForms:
    """/coachee: the forms of one coachee."""

    PREFIX: ClassVar[str] = "cf"
    coachee_id: int


@dataclass(frozen=True, slots=True)
class Shortcut:
    """A reminder's button that runs one of the person's commands
    ("tinjau", "belum_isi"); the command checks its rights as if typed."""

    PREFIX: ClassVar[str] = "sc"
    command: str


@dataclass(frozen=True, slots=True)
class Snooze:
    """"Ingatkan besok" under a reminder (its outbox row)."""

    PREFIX: ClassVar[str] = "sz"
    outbox_id: int


@dataclass(frozen=True, slots=True)
class ToggleReminder:
    """/pengingat: turn an optional reminder kind off or back on."""

    PREFIX: ClassVar[str] = "rm"
    kind: str


@dataclass(frozen=True, slots=True)
class ConfirmRemind:
    """/ingatkan: queue the reminders counted (for one stage of one cycle)."""

    PREFIX: ClassVar[str] = "ik"
    program: str
    activity: str
    cycle: int


@dataclass(frozen=True, slots=True)
class SendRecap:
    """/rekap: a koordinator sends the quarter's recap of a stage to the pembina."""

    PREFIX: ClassVar[str] = "sr"
    program: str
    stage: str


@dataclass(frozen=True, slots=True)
class RecapUnit:
    """/rekap: the recap of one unit in the caller's scope (a stage of a cycle year)."""

    PREFIX: ClassVar[str] = "ru"
    program: str
    stage: str
    unit: int
    year: int


@dataclass(frozen=True, slots=True)
class VerifyRecap:
    """The pembina marks a recap verified."""

    PREFIX: ClassVar[str] = "vf"
    report: int


@dataclass(frozen=True, slots=True)
class GetDocument:
    """/dokumen: one of the person's documents as PDF (a kind of
    flows.documents.KIND_CODES, its program and period)."""

    PREFIX: ClassVar[str] = "dk"
    kind: str
    program: str
    period: str


@dataclass(frozen=True, slots=True)
class UnitBundle:
    """/dokumen: a PIC's ZIP of the unit's documents of a quarter (2026-Q3)."""

    PREFIX: ClassVar[str] = "dz"
    period: str


Callback = (FormAction | ReviewAction | NotFilledPage | PickLanguage | JoinProgram | PickCoach | EnrolAction
            | OpenActivity | NewEntry | ViewRecord | CoacheeForms | Shortcut | Snooze | ToggleReminder
            | ConfirmRemind | SendToPics | SendRecap | RecapUnit | VerifyRecap | GetDocument | UnitBundle)
_ALL: tuple[type[Any], ...] = get_args(Callback)
_KINDS: dict[str, type[Any]] = {k.PREFIX: k for k in _ALL}
if len(_KINDS) != len(_ALL):
    raise RuntimeError("two button kinds share a prefix")


class PayloadTooLong(ValueError):
    pass


# Field names per payload kind, worked out once (dataclasses.fields is slow).
_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _names(kind: type[Any]) -> tuple[str, ...]:
    if kind not in _NAMES:
        _NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return _NAMES[kind]


def pack(cb: Callback) -> str:
    parts = [cb.PREFIX]
    for name in _names(type(cb)):
        value = str(getattr(cb, name))
        if SEP in value:
            raise ValueError(f"{type(cb).__name__}.{name} may not contain {SEP!r}: {value!r}")
        parts.append(value)
    data = SEP.join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise PayloadTooLong(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def unpack(data: str) -> Callback | None:
    prefix, *values = data.split(SEP)
    kind = _KINDS.get(prefix)
    if kind is None:
        return None
    fields = dataclasses.fields(kind)
    # A button sent before a field with a default was added still works.
    required = sum(f.default is dataclasses.MISSING for f in fields)
    if not required <= len(values) <= len(fields):
        return None
    parsed: list[Any] = []
    for f, raw in zip(fields, values, strict=False):
        if f.type in (int, "int"):
            if not raw.lstrip("-").isdigit():
                return None
            parsed.append(int(raw))
        else:
            parsed.append(raw)
    result: Callback = kind(*parsed)
    return result
