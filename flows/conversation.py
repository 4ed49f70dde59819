"""The engine's entry point: `step(state, event, context, now)`.

A person is either idle, filling a form, or (as a coach) writing the comment
that sends a form back for revision. Slash commands and buttons that belong
to no open conversation go out as commands for the application to resolve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flows import form_engine
from flows.callbacks import FormAction, ReviewAction, pack, unpack
from flows.events import (
    ChoicePicked,
    CommandReceived,
    ContactShared,
    Event,
    HandleChoice,
    ReturnForm,
    RunCommand,
    TextReceived,
)
from flows.form_engine import FormState, Step
from flows.messages import Button, Msg, Reply
from flows.spec import FormSpec
from flows.validators import LONG_TEXT_MAX, Invalid, parse_text_answer

CANCEL_COMMANDS = ("batal", "cancel")


@dataclass(frozen=True, slots=True)
class ReviewCommentState:
    """A coach is asked why the form goes back to the coachee."""

    submission_id: int

    def to_json(self) -> dict[str, Any]:
        return {"flow": "review_comment", "submission_id": self.submission_id}


State = FormState | ReviewCommentState | None


@dataclass(frozen=True, slots=True)
class Context:
    forms: Mapping[str, FormSpec]
    timezone: str = "Asia/Jakarta"

    def today(self, now: datetime) -> date:
        return now.astimezone(ZoneInfo(self.timezone)).date()


def state_to_json(state: State) -> dict[str, Any] | None:
    return None if state is None else state.to_json()


def state_from_json(data: Mapping[str, Any] | None) -> State:
    if not data:
        return None
    flow = data.get("flow")
    if flow == "form":
        return FormState.from_json(data)
    if flow == "review_comment":
        return ReviewCommentState(int(data["submission_id"]))
    return None


def step(state: State, event: Event, ctx: Context, now: datetime) -> Step:
    if isinstance(state, FormState):
        return _form_step(state, event, ctx, now)
    if isinstance(state, ReviewCommentState):
        return _review_step(state, event)
    return _idle_step(event)


def _idle_step(event: Event) -> Step:
    if isinstance(event, CommandReceived):
        return Step(None, (), (RunCommand(event.name, event.args),))
    if isinstance(event, ChoicePicked):
        if isinstance(unpack(event.data), FormAction):
            return Step(None, (Reply((Msg("error.form_closed"),)),))
        return Step(None, (), (HandleChoice(event.data),))
    if isinstance(event, ContactShared):
        return Step(None, (Reply((Msg("start.already_linked"),)),))
    return Step(None, (Reply((Msg("idle.hint"),)),))


def _form_step(state: FormState, event: Event, ctx: Context, now: datetime) -> Step:
    spec = ctx.forms[state.form_id]
    if isinstance(event, CommandReceived) and event.name not in CANCEL_COMMANDS:
        return Step(state, (), (RunCommand(event.name, event.args),))
    if isinstance(event, ChoicePicked) and not isinstance(unpack(event.data), FormAction):
        return Step(state, (), (HandleChoice(event.data),))
    return form_engine.step(form_engine.reconcile(state, spec), event, spec, ctx.today(now))


def review_cancel_button(submission_id: int) -> Button:
    return Button(Msg("button.cancel"), pack(ReviewAction(submission_id, "x")))


def ask_review_comment(submission_id: int) -> Step:
    prompt = Reply((Msg("review.ask_comment", {"limit": LONG_TEXT_MAX}),),
                   ((review_cancel_button(submission_id),),))
    return Step(ReviewCommentState(submission_id), (prompt,))


def _review_step(state: ReviewCommentState, event: Event) -> Step:
    cancel = Step(None, (Reply((Msg("review.comment_cancelled"),)),))
    if isinstance(event, CommandReceived):
        if event.name in CANCEL_COMMANDS:
            return cancel
        return Step(state, (), (RunCommand(event.name, event.args),))
    if isinstance(event, ChoicePicked):
        if event.data == review_cancel_button(state.submission_id).data:
            return cancel
        return Step(state, (), (HandleChoice(event.data),))
    if not isinstance(event, TextReceived):
        problem: Msg = Msg("error.not_text")
    else:
        try:
            comment = parse_text_answer("long_text", event.text, date.min)
        except Invalid as e:
            problem = Msg(e.key, dict(e.params))
        else:
            return Step(None, (), (ReturnForm(state.submission_id, comment),))
    ask = ask_review_comment(state.submission_id)
    return Step(state, (Reply((problem,)), *ask.replies))

