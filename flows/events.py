"""Events in (what happened) and commands out (what to do)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# --- events -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextReceived:
    text: str


@dataclass(frozen=True, slots=True)
class ChoicePicked:
    data: str


@dataclass(frozen=True, slots=True)
class CommandReceived:
    name: str  # the command's Indonesian name, whichever was typed (command_received)
    args: str = ""


# The English name of each command that has one: the English menu and help
# show it, and both names work in either language.
ENGLISH_NAMES = {
    "bantuan": "help", "batal": "cancel", "bahasa": "language", "pengingat": "reminders",
    "isi": "fill", "riwayat": "history", "tinjau": "review", "sesi": "log", "dokumen": "documents",
    "verifikasi": "verify", "belum_isi": "not_filled", "ingatkan": "remind", "rekap": "recap",
    "ekspor": "export", "laporan": "reports",
}
_INDONESIAN = {english: name for name, english in ENGLISH_NAMES.items()}


def command_received(typed: str, args: str) -> CommandReceived:
    """A typed command under its one name, in whichever language it was typed."""
    name = typed.lower()
    return CommandReceived(_INDONESIAN.get(name, name), args.strip())


@dataclass(frozen=True, slots=True)
class NonTextReceived:
    kind: str  # sticker, photo, voice, document, ...


@dataclass(frozen=True, slots=True)
class ContactShared:
    phone: str
    contact_user_id: int | None


Event = TextReceived | ChoicePicked | CommandReceived | NonTextReceived | ContactShared

# --- commands -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaveDraft:
    submission_id: int
    answers: Mapping[str, str]
    cursor: int


@dataclass(frozen=True, slots=True)
class SubmitForm:
    submission_id: int
    answers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ReturnForm:
    """The coach asks the coachee to revise a submitted form."""

    submission_id: int
    comment: str


@dataclass(frozen=True, slots=True)
class DeclineRequest:
    """A coach declines a request to coach someone, with the reason given."""

    enrolment_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class RunCommand:
    """A slash command for the application to handle (it may need data)."""

    name: str
    args: str


@dataclass(frozen=True, slots=True)
class HandleChoice:
    """A button that belongs to no open conversation (e.g. a coach's review
    button under a notification); the application resolves it."""

    data: str


Command = SaveDraft | SubmitForm | ReturnForm | DeclineRequest | RunCommand | HandleChoice
