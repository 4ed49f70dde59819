"""Walks any form spec one question at a time.

The state is a cursor into the questions this person is asked now (their
sections, the rows so far, the fields that are relevant: form_view) plus
the answers so far; the cursor at or past the last question means the
summary is showing. Buttons carry the submission id and the cursor they were
made for, so a button from an old message, or pressed twice, is recognised
as stale and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from flows.callbacks import FormAction, unpack
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
from flows.form_render import data, display_value, no_jp_lines, options_of, prompt, summary
from flows.form_spec import Field_, FormSpec
from flows.form_state import FormState, Frame
from flows.form_view import (
    YES,
    Question,
    known_names,
    live_answers,
    questions,
    reshapes,
    without_rows_after,
)
from flows.messages import Msg, Reply
from flows.program_spec import Filler
from flows.validators import Invalid, parse_text_answer, plain

__all__ = ["FormState", "Frame", "Step", "display_value", "no_jp_lines", "options_of", "reconcile", "show",
           "step", "summary"]


@dataclass(frozen=True, slots=True)
class Step:
    state: Any
    replies: tuple[Reply, ...] = ()
    commands: tuple[Command, ...] = ()


def reconcile(state: FormState, spec: FormSpec, filled_by: Filler = "coachee") -> FormState:
    """Meet a draft made under another version of the spec: keep answers to
    fields (and rows) that still exist, and resume at the first unanswered
    question."""
    if state.spec_version == spec.version:
        return state
    names = known_names(spec)
    answers = {k: v for k, v in state.answers.items() if k in names}
    asked = questions(spec, answers, state.role, filled_by)
    cursor = next((i for i, q in enumerate(asked) if q.name not in answers), len(asked))
    notice = (*state.notice, Msg("form.spec_changed"))
    return replace(
        state, spec_version=spec.version, answers=answers, cursor=cursor, editing=False,
        notice=notice,
    )


def show(state: FormState, frame: Frame) -> Step:
    """Re-ask whatever the state points at (after /isi, a stale button...)."""
    return Step(state, (prompt(state, frame, _view(state, frame)),))


def step(state: FormState, event: Event, frame: Frame) -> Step:
    # The questions are worked out once per step and passed along; again
    # only if an answer changes them (see _view_after).
    asked = _view(state, frame)
    at_summary = state.cursor >= len(asked)
    if isinstance(event, CommandReceived):
        if event.name in ("batal", "cancel"):
            return _cancel(state)
        # Any other command is the application's; the draft stays as it is.
        return Step(state)
    if isinstance(event, ChoicePicked):
        return _choice(state, event.data, frame, asked)
    if isinstance(event, (NonTextReceived, ContactShared)):
        choice = at_summary or bool(options_of(asked[state.cursor].field))
        return _again(state, frame, Msg("error.use_buttons" if choice else "error.not_text"), asked)
    # TextReceived
    if at_summary:
        return _again(state, frame, Msg("error.use_buttons"), asked)
    q = asked[state.cursor]
    if state.pending is not None and (said := _yes_or_no(event.text, frame)) is not None:
        # "ya" / "yes" (or "tidak" / "no") typed to the date confirmation
        return _choice(state, data(state, "date_ok" if said == YES else "date_change"), frame, asked)
    try:
        value = _parse(q.field, event.text, frame)
    except Invalid as e:
        return _again(state, frame, Msg(e.key, dict(e.params)), asked)
    return _answered(state, frame, q, value, asked)


def _view(state: FormState, frame: Frame, answers: Mapping[str, str] | None = None) -> tuple[Question, ...]:
    return questions(frame.spec, state.answers if answers is None else answers, state.role, frame.filled_by)


def _view_after(state: FormState, frame: Frame, q: Question, answers: Mapping[str, str],
                asked: tuple[Question, ...]) -> tuple[Question, ...]:
    """The questions once `q` is answered (or its answer taken away): those
    asked before, unless that answer decides which questions there are."""
    return _view(state, frame, answers) if reshapes(frame.spec, q) else asked


def _parse(f: Field_, text: str, frame: Frame) -> str:
    opts = options_of(f)
    if opts:
        typed = plain(text)
        for value, label in opts:
            if typed and typed in (plain(value), plain(frame.words(label))):
                return value
        raise Invalid("error.use_buttons")
    return parse_text_answer(f.type, text, frame.today, f.max_len, frame.date_max_age)


_YES_NO = Field_(name="yes_no", type="yes_no", label="yes_no")


def _yes_or_no(text: str, frame: Frame) -> str | None:
    try:
        return _parse(_YES_NO, text, frame)
    except Invalid:
        return None


def _answered(state: FormState, frame: Frame, q: Question, value: str, asked: tuple[Question, ...]) -> Step:
    if q.field.type == "date" and state.year and date.fromisoformat(value).year < state.year:
        # A 2025 date for a 2026 stage is more often a slip than a fact.
        asking = replace(state, pending=value, notice=())
        return Step(asking, (prompt(asking, frame, asked),))
    notice = () if q.more else tuple(no_jp_lines(frame.jp, frame.spec, {q.name: value}))
    return _record(state, frame, q, value, asked, notice)


def _record(state: FormState, frame: Frame, q: Question, value: str, asked: tuple[Question, ...],
            notice: tuple[Msg, ...] = ()) -> Step:
    answers = {**state.answers, q.name: value}
    if q.more and value != YES:
        # "No more rows" where more were given takes those rows away.
        answers = without_rows_after(q.section, answers, q.row)
    view = _view_after(state, frame, q, answers, asked)
    return _move(state, frame, answers, _after(state, q, answers, view), view, notice)


def _after(state: FormState, q: Question, answers: Mapping[str, str], asked: tuple[Question, ...]) -> int:
    """Where the cursor goes once `q` is dealt with (`asked`: the questions
    now): the next question; from the summary, back there, unless the change
    opened a question in the same section that has no answer yet (a new row,
    a field now relevant)."""
    following = next((i for i, x in enumerate(asked) if x.name == q.name), state.cursor) + 1
    if not state.editing:
        return following
    if following < len(asked) and asked[following].section.id == q.section.id \
            and asked[following].name not in answers:
        return following
    return len(asked)


def _move(state: FormState, frame: Frame, answers: Mapping[str, str], cursor: int,
          asked: tuple[Question, ...], notice: tuple[Msg, ...] = ()) -> Step:
    """Go to `cursor` with these answers; `asked`: the questions under them."""
    new = replace(state, answers=answers, cursor=cursor, pending=None,
                  editing=state.editing and cursor < len(asked), notice=notice)
    save = SaveDraft(new.submission_id, dict(new.answers), new.cursor)
    return Step(replace(new, notice=()), (prompt(new, frame, asked),), (save,))


def _again(state: FormState, frame: Frame, problem: Msg, asked: tuple[Question, ...]) -> Step:
    return Step(state, (Reply((problem,)), prompt(state, frame, asked)))


def _cancel(state: FormState) -> Step:
    save = SaveDraft(state.submission_id, dict(state.answers), state.cursor)
    return Step(None, (Reply((Msg("form.cancelled"),)),), (save,))


def _choice(state: FormState, payload: str, frame: Frame, asked: tuple[Question, ...]) -> Step:
    cb = unpack(payload)
    if not isinstance(cb, FormAction) or cb.submission_id != state.submission_id \
            or cb.cursor != state.cursor:
        return _again(state, frame, Msg("error.stale_button"), asked)
    if cb.action == "cancel":
        return _cancel(state)
    if state.cursor >= len(asked):
        return _summary_action(state, cb.action, frame, asked)
    q = asked[state.cursor]
    if state.pending is not None and cb.action in ("date_ok", "date_change"):
        if cb.action == "date_change":
            again = replace(state, pending=None)
            return Step(again, (prompt(again, frame, asked),))
        return _record(state, frame, q, state.pending, asked)
    return _question_action(state, cb.action, frame, q, asked)


def _question_action(state: FormState, action: str, frame: Frame, q: Question,
                     asked: tuple[Question, ...]) -> Step:
    f = q.field
    if action == "back":
        if state.editing:
            return _move(state, frame, state.answers, len(asked), asked)
        if state.cursor == 0:
            return _again(state, frame, Msg("form.at_first"), asked)
        return _move(state, frame, state.answers, state.cursor - 1, asked)
    if action == "skip" and not f.required:
        answers = {k: v for k, v in state.answers.items() if k != q.name}
        view = _view_after(state, frame, q, answers, asked)
        return _move(state, frame, answers, _after(state, q, answers, view), view)
    if action == "keep" and q.name in state.answers:
        return _move(state, frame, state.answers, _after(state, q, state.answers, asked), asked)
    opts = options_of(f)
    if action.startswith("o") and action[1:].isdigit() and int(action[1:]) < len(opts):
        return _answered(state, frame, q, opts[int(action[1:])][0], asked)
    if action.startswith("d") and action[1:].isdigit() and f.type == "date":
        return _answered(state, frame, q, (frame.today - timedelta(days=int(action[1:]))).isoformat(), asked)
    return _again(state, frame, Msg("error.stale_button"), asked)


def _summary_action(state: FormState, action: str, frame: Frame, asked: tuple[Question, ...]) -> Step:
    if action == "send":
        # Only this person's questions: the other party answers their own.
        missing = [i for i, q in enumerate(asked) if q.counts_as_missing and q.name not in state.answers]
        if missing:
            new = replace(state, cursor=missing[0], editing=False)
            return Step(new, (Reply((Msg("form.missing", {"count": len(missing)}),)),
                              prompt(new, frame, asked)))
        return Step(None, (), (SubmitForm(state.submission_id, live_answers(frame.spec, state.answers)),))
    if action.startswith("e") and action[1:].isdigit() and int(action[1:]) < len(asked):
        new = replace(state, cursor=int(action[1:]), editing=True, notice=())
        return Step(new, (prompt(new, frame, asked),),
                    (SaveDraft(new.submission_id, dict(new.answers), new.cursor),))
    return _again(state, frame, Msg("error.stale_button"), asked)
