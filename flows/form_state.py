"""What a form conversation keeps between messages, and what each step of
it needs besides: the spec, today, the reader's words, and the activity's
rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flows.form_spec import FormSpec, Role
from flows.jp import JpRule
from flows.messages import Msg
from flows.program_spec import Filler
from flows.validators import DATE_MAX_AGE

ROLES: tuple[Role, ...] = ("coachee", "coach")


@dataclass(frozen=True, slots=True)
class FormState:
    """A cursor into the questions this person is asked now (see
    form_view.questions) plus the answers so far; the cursor at or past the
    last question means the summary is showing."""

    submission_id: int
    form_id: str
    spec_version: int
    answers: Mapping[str, str] = field(default_factory=dict)
    cursor: int = 0
    # Set when a question was opened from the summary: answering returns there.
    editing: bool = False
    # Shown once above the first question (e.g. "late", "returned: <comment>").
    notice: tuple[Msg, ...] = ()
    # What the form is for; empty in drafts saved before these were kept.
    program: str = ""
    activity: str = ""
    year: int = 0
    # A date before the cycle's year, waiting for the person to confirm it.
    pending: str | None = None
    # Who is filling: of a form both fill, each is asked only their sections.
    role: Role = "coachee"
    # Whether the person has answered anything yet: a form that starts with
    # answers from the roster or an earlier activity is not started until then.
    started: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "flow": "form",
            "submission_id": self.submission_id,
            "form_id": self.form_id,
            "spec_version": self.spec_version,
            "answers": dict(self.answers),
            "cursor": self.cursor,
            "editing": self.editing,
            "program": self.program,
            "activity": self.activity,
            "year": self.year,
            "pending": self.pending,
            "role": self.role,
            "started": self.started,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FormState:
        role = data.get("role")
        return cls(
            submission_id=int(data["submission_id"]),
            form_id=str(data["form_id"]),
            spec_version=int(data["spec_version"]),
            answers={str(k): str(v) for k, v in data.get("answers", {}).items()},
            cursor=int(data.get("cursor", 0)),
            editing=bool(data.get("editing", False)),
            program=str(data.get("program", "")),
            # Saved before activities had their name: "stage".
            activity=str(data.get("activity", data.get("stage", ""))),
            year=int(data.get("year", 0)),
            pending=data.get("pending"),
            role=role if role in ROLES else "coachee",
            started=bool(data.get("started", True)),
        )


@dataclass(frozen=True, slots=True)
class Frame:
    """What a form step needs besides the state."""

    spec: FormSpec
    today: date  # in the person's zone
    # The reader's words for a message key: typed answers to a choice are
    # matched against the option labels the person sees.
    words: Callable[[str], str] = str
    # The activity's JP rule: an answer that forfeits the JP (Status "Belum
    # Selesai") is pointed out when given and again before the form is sent.
    jp: JpRule | None = None
    # Who fills the activity; when both do, sections are split by `by`.
    filled_by: Filler = "coachee"
    # How far back a date may lie (a log's max_age_days).
    date_max_age: timedelta = DATE_MAX_AGE
