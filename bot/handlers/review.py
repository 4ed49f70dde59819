"""The coach's side: /tinjau, reading a submitted form, confirming it or
sending it back with a comment. Who may decide is checked against the
roster as it is today, so a change of coach takes effect at once."""

from __future__ import annotations

from bot.handlers import ledger
from bot.turn import Turn
from flows import conversation, form_engine
from flows.access import monitoring_scope
from flows.callbacks import ReviewAction, pack
from flows.conversation import ReviewCommentState, State
from flows.events import ReturnForm
from flows.form_engine import FormState
from flows.messages import Button, Msg, Reply
from flows.program import JP_RIGHT_PER_YEAR, Status, jp_rule
from storage import repo
from storage.repo import Person, SubmissionRecord


def review_message(t: Turn, record: SubmissionRecord, coachee: Person) -> Reply:
    spec = t.specs.forms[record.form_id]
    form = FormState(record.id, spec.id, record.spec_version, record.answers, len(spec.fields))
    body = form_engine.summary(form, spec, with_buttons=False,
                               jp=jp_rule(t.specs.programs, record.program, record.activity))
    head = [Msg("review.notification", {
        "name": coachee.nama, "nip": coachee.nip, "stage": t.stage_title(record.program, record.activity),
    })]
    head.extend(_marks(record))
    return Reply((*head, *body.lines), ((
        Button(Msg("button.confirm"), pack(ReviewAction(record.id, "ok"))),
        Button(Msg("button.request_fix"), pack(ReviewAction(record.id, "fix"))),
    ),))


def _marks(record: SubmissionRecord) -> list[Msg]:
    marks = []
    if record.late:
        marks.append(Msg("review.mark_late"))
    if record.status is Status.SUBMITTED and record.review_comment:
        # Sent back once already: the coach sees it is a revision, and of what.
        marks.append(Msg("review.mark_resubmitted", {"comment": record.review_comment}))
    return marks


async def waiting(t: Turn, state: State, args: str) -> State:
    forms = await repo.waiting_for(t.s, t.person.id)
    if not forms:
        if await repo.coachees_of(t.s, t.person.id):
            t.say("review.none")
        elif monitoring_scope(t.person.roles, t.person.unit_id, t.person.unit_utama_id):
            t.say("review.not_coach_monitor")
        else:
            t.say("review.not_coach")
        return state
    lines = [Msg("review.list_title", {"count": len(forms)})]
    buttons = []
    for i, (record, coachee) in enumerate(forms, 1):
        lines.append(Msg("review.list_item", {
            "n": i, "name": coachee.nama, "stage": t.stage_title(record.program, record.activity),
            "date": t.local_date(record.submitted_at) if record.submitted_at else "-",
        }))
        lines.extend(_marks(record))
        buttons.append((Button(Msg("review.open_button", {
            "n": i, "name": coachee.nama, "stage": t.stage_title(record.program, record.activity)}),
                               pack(ReviewAction(record.id, "v"))),))
    t.reply(Reply(tuple(lines), tuple(buttons[:50])))
    return state


async def _record_for_me(t: Turn, submission_id: int) -> tuple[SubmissionRecord, Person] | None:
    """The submission and its coachee, if this person is that coachee's coach today."""
    record = await repo.submission_for_update(t.s, submission_id)
    if record is None:
        return None
    coachee = await repo.person_by_id(t.s, record.employee_id)
    if coachee is None or coachee.coach_id != t.person.id:
        return None
    return record, coachee


async def pressed(t: Turn, state: State, cb: ReviewAction) -> State:
    found = await _record_for_me(t, cb.submission_id)
    if found is None:
        t.say("error.stale_button")
        return state
    record, coachee = found
    if cb.action == "x":
        # The prompt's own Batal is handled by the engine while the prompt is
        # open; reaching here means it is an old button with nothing to cancel.
        t.say("review.nothing_to_cancel")
        return state
    if record.status is not Status.SUBMITTED:
        t.say("review.already_decided", status=Msg(f"status.{record.status.value}"))
        return state
    if cb.action == "v":
        t.reply(review_message(t, record, coachee))
        return state
    if cb.action == "ok":
        await _confirm(t, record, coachee)
        return state
    if cb.action == "fix":
        resume = state if isinstance(state, FormState) else \
            state.resume if isinstance(state, ReviewCommentState) else None
        if resume is not None:
            t.say("form.paused")
        step = conversation.ask_review_comment(record.id, resume)
        t.reply(*step.replies)
        asking: State = step.state
        return asking
    t.say("error.stale_button")
    return state


async def _confirm(t: Turn, record: SubmissionRecord, coachee: Person) -> None:
    stage_spec = t.active_stage(record.program, record.activity)
    if stage_spec is None:
        t.say("review.program_inactive")
        return
    await repo.decide(t.s, record.id, Status.CONFIRMED, t.now)
    lines = await ledger.credit_completed(t, record)
    jp = lines[record.id].credited if record.id in lines else 0
    stage = Msg(stage_spec.title)
    no_jp = form_engine.no_jp_lines(stage_spec.jp, t.specs.forms[record.form_id], record.answers)
    t.reply(Reply((Msg("review.confirmed", {"name": coachee.nama, "stage": stage, "jp": jp}), *no_jp)))
    total = await repo.jp_total(t.s, coachee.id, record.year)
    t.notify(coachee, Reply((Msg("review.confirmed_coachee", {
        "stage": stage, "coach": t.person.nama, "jp": jp, "total": total, "target": JP_RIGHT_PER_YEAR,
    }), *no_jp)))


async def return_form(t: Turn, state: State, cmd: ReturnForm) -> State:
    found = await _record_for_me(t, cmd.submission_id)
    if found is None or found[0].status is not Status.SUBMITTED:
        t.say("review.already_decided_plain")
    else:
        record, coachee = found
        await repo.decide(t.s, record.id, Status.RETURNED, t.now, comment=cmd.comment)
        stage = t.stage_title(record.program, record.activity)
        t.say("review.returned", name=coachee.nama, stage=stage)
        t.notify(coachee, Reply((Msg("review.returned_coachee", {
            "stage": stage, "coach": t.person.nama, "comment": cmd.comment,
        }),)))
    if isinstance(state, FormState):
        back = conversation.resume_form(state, t.context(), t.now)
        t.reply(*back.replies)
        resumed: State = back.state
        return resumed
    return state
