"""Walks any form spec one question at a time.

The state is a cursor into the spec's fields plus the answers so far; the
cursor equal to the number of fields means the summary is showing. Buttons
carry the submission id and the cursor they were made for, so a button from
an old message, or pressed twice, is recognised as stale and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from flows.callbacks import FormAction, pack, unpack
from flows.events import (
    ChoicePicked,
    Command,
    CommandReceived,
    ContactShared,
    Event,
    NonTextReceived,
    SaveDraft,
    SubmitForm,
)
from flows.jp import JpRule
from flows.messages import Button, Msg, Reply
from flows.spec import Field_, FormSpec
from flows.validators import BUILTIN_OPTIONS, Invalid, limit_for, parse_text_answer, plain

EDIT_BUTTONS_PER_ROW = 6


@dataclass(frozen=True, slots=True)
class FormState:
    submission_id: int
    form_id: str
    spec_version: int
    answers: Mapping[str, str] = field(default_factory=dict)
    cursor: int = 0
    # Set when a field was opened from the summary: answering returns there.
    editing: bool = False
    # Shown once above the first question (e.g. "late", "returned: <comment>").
    notice: tuple[Msg, ...] = ()
    # What the form is for; empty in drafts saved before these were kept.
    program: str = ""
    stage: str = ""
    year: int = 0
    # A date before the cycle's year, waiting for the person to confirm it.
    pending: str | None = None
    # Who is filling: the coachee, or their coach (their part, or a form only they fill).
    role: str = "coachee"

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
            "stage": self.stage,
            "year": self.year,
            "pending": self.pending,
            "role": self.role,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FormState:
        return cls(
            submission_id=int(data["submission_id"]),
            form_id=str(data["form_id"]),
            spec_version=int(data["spec_version"]),
            answers={str(k): str(v) for k, v in data.get("answers", {}).items()},
            cursor=int(data.get("cursor", 0)),
            editing=bool(data.get("editing", False)),
            program=str(data.get("program", "")),
            stage=str(data.get("stage", "")),
            year=int(data.get("year", 0)),
            pending=data.get("pending"),
            role=str(data.get("role", "coachee")),
        )


@dataclass(frozen=True, slots=True)
class Step:
    state: Any
    replies: tuple[Reply, ...] = ()
    commands: tuple[Command, ...] = ()


def options_of(f: Field_) -> tuple[tuple[str, str], ...]:
    if f.options:
        return tuple((o.value, o.label) for o in f.options)
    return BUILTIN_OPTIONS.get(f.type, ())


def reconcile(state: FormState, spec: FormSpec) -> FormState:
    """Meet a draft made under another version of the spec: keep answers to
    fields that still exist, and resume at the first unanswered one."""
    if state.spec_version == spec.version:
        return state
    names = {f.name for f in spec.fields}
    answers = {k: v for k, v in state.answers.items() if k in names}
    cursor = next(
        (i for i, f in enumerate(spec.fields) if f.name not in answers), len(spec.fields)
    )
    notice = (*state.notice, Msg("form.spec_changed"))
    return replace(
        state, spec_version=spec.version, answers=answers, cursor=cursor, editing=False,
        notice=notice,
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


def show(state: FormState, frame: Frame) -> Step:
    """Re-ask whatever the state points at (after /isi, a stale button...)."""
    return Step(state, (_prompt(state, frame),))


def step(state: FormState, event: Event, frame: Frame) -> Step:
    spec = frame.spec
    n = len(spec.fields)
    if isinstance(event, CommandReceived):
        if event.name in ("batal", "cancel"):
            return _cancel(state)
        # Any other command is the application's; the draft stays as it is.
        return Step(state)
    if isinstance(event, ChoicePicked):
        return _choice(state, event.data, frame)
    if isinstance(event, (NonTextReceived, ContactShared)):
        key = "error.use_buttons" if state.cursor >= n or _is_choice(spec.fields[state.cursor]) \
            else "error.not_text"
        return _again(state, frame, Msg(key))
    # TextReceived
    if state.cursor >= n:
        return _again(state, frame, Msg("error.use_buttons"))
    f = spec.fields[state.cursor]
    if state.pending is not None and (said := _yes_or_no(event.text, frame)) is not None:
        # "ya" / "yes" (or "tidak" / "no") typed to the date confirmation
        return _choice(state, _data(state, "date_ok" if said == "ya" else "date_change"), frame)
    try:
        value = _parse(f, event.text, frame)
    except Invalid as e:
        return _again(state, frame, Msg(e.key, dict(e.params)))
    return _answered(state, frame, f, value)


def _parse(f: Field_, text: str, frame: Frame) -> str:
    opts = options_of(f)
    if opts:
        typed = plain(text)
        for value, label in opts:
            if typed and typed in (plain(value), plain(frame.words(label))):
                return value
        raise Invalid("error.use_buttons")
    return parse_text_answer(f.type, text, frame.today, f.max_len)


_YES_NO = Field_(name="yes_no", type="yes_no", label="yes_no")


def _yes_or_no(text: str, frame: Frame) -> str | None:
    try:
        return _parse(_YES_NO, text, frame)
    except Invalid:
        return None


def _is_choice(f: Field_) -> bool:
    return bool(options_of(f))


def _answered(state: FormState, frame: Frame, f: Field_, value: str) -> Step:
    if f.type == "date" and state.year and date.fromisoformat(value).year < state.year:
        # A 2025 date for a 2026 stage is more often a slip than a fact.
        asking = replace(state, pending=value, notice=())
        return Step(asking, (_prompt(asking, frame),))
    answers = {**state.answers, f.name: value}
    notice = tuple(no_jp_lines(frame.jp, frame.spec, {f.name: value}))
    return _move(state, frame, answers, _next_cursor(state, frame.spec), notice)


def no_jp_lines(rule: JpRule | None, spec: FormSpec, answers: Mapping[str, str]) -> list[Msg]:
    """Why these answers earn no JP under the rule: one line per condition
    an answer departs from (unanswered ones are not judged yet)."""
    lines: list[Msg] = []
    for name, wanted in (rule.when.items() if rule else ()):
        given = answers.get(name)
        if given is None or given == wanted:
            continue
        f = spec.field(name)
        params = {"label": Msg(f.label), "value": display_value(f, given), "field": Msg(f.label),
                  "expected": display_value(f, wanted), "given": display_value(f, given)}
        lines.append(Msg(rule.unmet_reason if rule and rule.unmet_reason else "form.no_jp", params))
    return lines


def _next_cursor(state: FormState, spec: FormSpec) -> int:
    return len(spec.fields) if state.editing else state.cursor + 1


def _move(state: FormState, frame: Frame, answers: Mapping[str, str], cursor: int,
          notice: tuple[Msg, ...] = ()) -> Step:
    new = replace(state, answers=answers, cursor=cursor, pending=None,
                  editing=state.editing and cursor < len(frame.spec.fields), notice=notice)
    save = SaveDraft(new.submission_id, dict(new.answers), new.cursor)
    return Step(replace(new, notice=()), (_prompt(new, frame),), (save,))


def _again(state: FormState, frame: Frame, problem: Msg) -> Step:
    return Step(state, (Reply((problem,)), _prompt(state, frame)))


def _cancel(state: FormState) -> Step:
    save = SaveDraft(state.submission_id, dict(state.answers), state.cursor)
    return Step(None, (Reply((Msg("form.cancelled"),)),), (save,))


def _choice(state: FormState, data: str, frame: Frame) -> Step:
    spec, today = frame.spec, frame.today
    cb = unpack(data)
    n = len(spec.fields)
    if not isinstance(cb, FormAction) or cb.submission_id != state.submission_id \
            or cb.cursor != state.cursor:
        return _again(state, frame, Msg("error.stale_button"))
    action = cb.action
    if action == "cancel":
        return _cancel(state)
    if state.cursor >= n:
        return _summary_action(state, action, frame)
    f = spec.fields[state.cursor]
    if state.pending is not None and action in ("date_ok", "date_change"):
        if action == "date_change":
            again = replace(state, pending=None)
            return Step(again, (_prompt(again, frame),))
        answers = {**state.answers, f.name: state.pending}
        return _move(state, frame, answers, _next_cursor(state, spec))
    if action == "back":
        if state.editing:
            return _move(state, frame, state.answers, n)
        if state.cursor == 0:
            return _again(state, frame, Msg("form.at_first"))
        return _move(state, frame, state.answers, state.cursor - 1)
    if action == "skip" and not f.required:
        answers = {k: v for k, v in state.answers.items() if k != f.name}
        return _move(state, frame, answers, _next_cursor(state, spec))
    if action == "keep" and f.name in state.answers:
        return _move(state, frame, state.answers, _next_cursor(state, spec))
    if action.startswith("o") and action[1:].isdigit():
        opts = options_of(f)
        i = int(action[1:])
        if i < len(opts):
            return _answered(state, frame, f, opts[i][0])
    if action.startswith("d") and action[1:].isdigit() and f.type == "date":
        return _answered(state, frame, f, (today - timedelta(days=int(action[1:]))).isoformat())
    return _again(state, frame, Msg("error.stale_button"))


def _summary_action(state: FormState, action: str, frame: Frame) -> Step:
    fields = frame.spec.fields
    if action == "send":
        missing = [i for i, f in enumerate(fields) if f.required and f.name not in state.answers]
        if missing:
            new = replace(state, cursor=missing[0], editing=False)
            return Step(new, (Reply((Msg("form.missing", {"count": len(missing)}),)),
                              _prompt(new, frame)))
        done = SubmitForm(state.submission_id, dict(state.answers))
        return Step(None, (), (done,))
    if action.startswith("e") and action[1:].isdigit() and int(action[1:]) < len(fields):
        new = replace(state, cursor=int(action[1:]), editing=True, notice=())
        return Step(new, (_prompt(new, frame),),
                    (SaveDraft(new.submission_id, dict(new.answers), new.cursor),))
    return _again(state, frame, Msg("error.stale_button"))


# --- rendering the current question ---------------------------------------


def _data(state: FormState, action: str) -> str:
    return pack(FormAction(state.submission_id, state.cursor, action))


def _prompt(state: FormState, frame: Frame) -> Reply:
    spec, today = frame.spec, frame.today
    if state.cursor >= len(spec.fields):
        return summary(state, spec, with_buttons=True, jp=frame.jp)
    fields = spec.fields
    f = fields[state.cursor]
    if state.pending is not None:
        return _confirm_date(state, f, state.pending)
    section = spec.section_of(state.cursor)
    lines: list[Msg] = list(state.notice)
    if not state.editing and section.fields[0].name == f.name:
        lines.append(Msg("form.section", {"title": Msg(section.title)}))
        lines.extend(Msg("form.grow_hint", {"hint": Msg(h)}) for h in section.hints)
    required = Msg("form.required") if f.required else Msg("form.optional")
    lines.append(Msg("form.question", {
        "n": state.cursor + 1, "total": len(fields), "label": Msg(f.label), "required": required,
    }))
    if f.hint:
        lines.append(Msg("form.field_hint", {"hint": Msg(f.hint)}))
    limit = limit_for(f.type, f.max_len)
    if f.type == "date":
        lines.append(Msg("form.date_help", {"example": today.strftime("%d/%m/%Y")}))
    elif limit:
        lines.append(Msg("form.text_help", {"limit": limit}))
    if f.name in state.answers:
        lines.append(Msg("form.current", {"value": display_value(f, state.answers[f.name])}))

    # Navigation first: Kembali is the first button of every question, with or
    # without options or an earlier answer, so pressing the same place twice
    # goes back twice rather than answering a question.
    nav = [Button(Msg("button.back"), _data(state, "back"))]
    if not f.required:
        nav.append(Button(Msg("button.skip"), _data(state, "skip")))
    nav.append(Button(Msg("button.cancel"), _data(state, "cancel")))
    rows: list[tuple[Button, ...]] = [tuple(nav)]
    opts = options_of(f)
    rows.extend((Button(Msg(label), _data(state, f"o{i}")),) for i, (_, label) in enumerate(opts))
    if f.type == "date":
        rows.append((
            Button(Msg("button.today", {"date": today.strftime("%d/%m/%Y")}), _data(state, "d0")),
            Button(Msg("button.yesterday", {"date": (today - timedelta(days=1)).strftime("%d/%m/%Y")}),
                   _data(state, "d1")),
        ))
    if f.name in state.answers:
        rows.append((Button(Msg("button.keep"), _data(state, "keep")),))
    return Reply(tuple(lines), tuple(rows))


def _confirm_date(state: FormState, f: Field_, value: str) -> Reply:
    lines = (Msg("form.date_before_year", {
        "label": Msg(f.label), "date": display_value(f, value), "year": state.year,
    }),)
    return Reply(lines, (
        (Button(Msg("button.date_ok", {"date": display_value(f, value)}), _data(state, "date_ok")),
         Button(Msg("button.date_change"), _data(state, "date_change"))),
        (Button(Msg("button.cancel"), _data(state, "cancel")),),
    ))


def display_value(f: Field_, value: str | None) -> Any:
    """How an answer is shown back: options by their label, dates as d/m/Y."""
    if value is None:
        return Msg("form.summary_empty")
    for option_value, label in options_of(f):
        if option_value == value:
            return Msg(label)
    if f.type == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return value


def summary(state: FormState, spec: FormSpec, with_buttons: bool, jp: JpRule | None = None) -> Reply:
    """All answers, one line per field; the same text the coach receives."""
    lines = [*state.notice, Msg("form.summary_title", {"title": Msg(spec.title)})]
    current_section = None
    for i, f in enumerate(spec.fields):
        section = spec.section_of(i)
        if section.id != current_section:
            current_section = section.id
            lines.append(Msg("form.summary_section", {"title": Msg(section.title)}))
        key = "form.summary_line_ext" if f.extension else "form.summary_line"
        lines.append(Msg(key, {
            "n": i + 1, "label": Msg(f.label), "value": display_value(f, state.answers.get(f.name)),
        }))
    if any(f.extension for f in spec.fields):
        lines.append(Msg("form.summary_footnote"))
    lines.extend(no_jp_lines(jp, spec, state.answers))
    if not with_buttons:
        return Reply(tuple(lines))
    lines.append(Msg("form.summary_help"))
    edit = [Button(Msg("button.edit", {"n": i + 1}), _data(state, f"e{i}"))
            for i in range(len(spec.fields))]
    rows = [tuple(edit[i:i + EDIT_BUTTONS_PER_ROW]) for i in range(0, len(edit), EDIT_BUTTONS_PER_ROW)]
    rows.append((Button(Msg("button.send"), _data(state, "send")),
                 Button(Msg("button.cancel"), _data(state, "cancel"))))
    return Reply(tuple(lines), tuple(rows))
