"""The engine's entry point: `step(state, event, context, now)`.

A person is either idle, filling a form, or (as a coach) writing the comment
that sends a form back for revision. Slash commands and buttons that belong
to no open conversation go out as commands for the application to resolve.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flows import form_engine
from flows.callbacks import EnrolAction, FormAction, ReviewAction, pack, unpack
from flows.events import (
    ChoicePicked,
    Command,
    CommandReceived,
    ContactShared,
    DeclineRequest,
    Event,
    HandleChoice,
    ReturnForm,
    RunCommand,
    TextReceived,
)
from flows.form_engine import FormState, Frame, Step
from flows.messages import Button, Msg, Reply
from flows.program_spec import Activity, Log
from flows.spec import FormSpec, ProgramSpec
from flows.validators import DATE_MAX_AGE, LONG_TEXT_MAX, Invalid, parse_text_answer

CANCEL_COMMANDS = ("batal", "cancel")


@dataclass(frozen=True, slots=True)
class ReviewCommentState:
    """A coach is asked why the form goes back to the coachee (kind
    "return"), or why they decline a request to coach someone (kind
    "decline"); their own form, if one was open, waits in `resume` and comes
    back afterwards."""

    submission_id: int  # or the enrolment, for a decline
    resume: FormState | None = None
    kind: str = "return"

    def to_json(self) -> dict[str, Any]:
        return {"flow": "review_comment", "submission_id": self.submission_id, "kind": self.kind,
                "resume": self.resume.to_json() if self.resume else None}


State = FormState | ReviewCommentState | None


@dataclass(frozen=True, slots=True)
class Context:
    forms: Mapping[str, FormSpec]
    timezone: str = "Asia/Jakarta"
    programs: Mapping[str, ProgramSpec] = field(default_factory=dict)
    # The reader's words for a message key (see form_engine.Frame.words).
    words: Callable[[str], str] = str

    def today(self, now: datetime) -> date:
        return now.astimezone(ZoneInfo(self.timezone)).date()

    def frame(self, form: FormState, now: datetime) -> Frame:
        activity = self.activity(form)
        if activity is None:
            return Frame(self.forms[form.form_id], self.today(now), self.words)
        schedule = activity.schedule
        max_age = timedelta(days=schedule.max_age_days) if isinstance(schedule, Log) else DATE_MAX_AGE
        return Frame(self.forms[form.form_id], self.today(now), self.words, activity.jp,
                     filled_by=activity.filled_by, date_max_age=max_age)

    def activity(self, form: FormState) -> Activity | None:
        """The activity the form is filled for (None for a draft kept
        before forms knew it, or a program no longer loaded)."""
        program = self.programs.get(form.program)
        return program.find(form.activity) if program else None


def state_to_json(state: State) -> dict[str, Any] | None:
    return None if state is None else state.to_json()


def state_from_json(data: Mapping[str, Any] | None) -> State:
    if not data:
        return None
    flow = data.get("flow")
    if flow == "form":
        return FormState.from_json(data)
    if flow == "review_comment":
        resume = data.get("resume")
        return ReviewCommentState(int(data["submission_id"]),
                                  FormState.from_json(resume) if resume else None,
                                  str(data.get("kind", "return")))
    return None


def step(state: State, event: Event, ctx: Context, now: datetime) -> Step:
    if isinstance(state, FormState):
        if state.form_id not in ctx.forms:
            # The form's spec is gone (its program was switched off): let the
            # person go on with everything else rather than fail every message.
            return Step(None, (Reply((Msg("form.spec_gone"),)),))
        return _form_step(state, event, ctx, now)
    if isinstance(state, ReviewCommentState):
        return _review_step(state, event, ctx, now)
    return _idle_step(event)


def _idle_step(event: Event) -> Step:
    if isinstance(event, CommandReceived):
        return Step(None, (), (RunCommand(event.name, event.args),))
    if isinstance(event, ChoicePicked):
        if isinstance(unpack(event.data), FormAction):
            return Step(None, (Reply((Msg("error.form_closed"),)),))
        return Step(None, (), (HandleChoice(event.data),))
    if isinstance(event, ContactShared):
        return Step(None, (Reply((Msg("start.already_linked_contact"),)),))
    return Step(None, (Reply((Msg("idle.hint"),)),))


def _form_step(state: FormState, event: Event, ctx: Context, now: datetime) -> Step:
    frame = ctx.frame(state, now)
    if isinstance(event, CommandReceived) and event.name not in CANCEL_COMMANDS:
        return Step(state, (), (RunCommand(event.name, event.args),))
    if isinstance(event, ChoicePicked) and not isinstance(unpack(event.data), FormAction):
        return Step(state, (), (HandleChoice(event.data),))
    return form_engine.step(form_engine.reconcile(state, frame.spec, frame.filled_by), event, frame)


def review_cancel_button(target: int, kind: str = "return") -> Button:
    payload = EnrolAction(target, "nx") if kind == "decline" else ReviewAction(target, "x")
    return Button(Msg("button.cancel"), pack(payload))


def ask_review_comment(target: int, resume: FormState | None = None, kind: str = "return") -> Step:
    key = "pairing.ask_reason" if kind == "decline" else "review.ask_comment"
    prompt = Reply((Msg(key, {"limit": LONG_TEXT_MAX}),), ((review_cancel_button(target, kind),),))
    return Step(ReviewCommentState(target, resume, kind), (prompt,))


def resume_form(form: FormState | None, ctx: Context, now: datetime) -> Step:
    """Back to the form that a review interrupted, at the question it was on."""
    if form is None or form.form_id not in ctx.forms:
        return Step(None)
    notice = (*form.notice, Msg("form.resumed_after_review"))
    return form_engine.show(replace(form, notice=notice), ctx.frame(form, now))


def _review_step(state: ReviewCommentState, event: Event, ctx: Context, now: datetime) -> Step:
    if isinstance(event, CommandReceived):
        if event.name in CANCEL_COMMANDS:
            return _cancelled(state, ctx, now)
        return Step(state, (), (RunCommand(event.name, event.args),))
    if isinstance(event, ChoicePicked):
        if event.data == review_cancel_button(state.submission_id, state.kind).data:
            return _cancelled(state, ctx, now)
        return Step(state, (), (HandleChoice(event.data),))
    if not isinstance(event, TextReceived):
        problem: Msg = Msg("error.not_text")
    else:
        try:
            comment = parse_text_answer("long_text", event.text, date.min)
        except Invalid as e:
            problem = Msg(e.key, dict(e.params))
        else:
            # The application confirms the return first, then shows the form again.
            done: Command = DeclineRequest(state.submission_id, comment) if state.kind == "decline" \
                else ReturnForm(state.submission_id, comment)
            return Step(state.resume, (), (done,))
    ask = ask_review_comment(state.submission_id, state.resume, state.kind)
    return Step(state, (Reply((problem,)), *ask.replies))


def _cancelled(state: ReviewCommentState, ctx: Context, now: datetime) -> Step:
    back = resume_form(state.resume, ctx, now)
    key = "pairing.decline_cancelled" if state.kind == "decline" else "review.comment_cancelled"
    return Step(back.state, (Reply((Msg(key),)), *back.replies))
