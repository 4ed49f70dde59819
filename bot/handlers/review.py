"""The coach's side: /tinjau, reading a submitted form, confirming it or
sending it back with a comment."""

from __future__ import annotations

from bot.turn import Turn
from flows import conversation, form_engine
from flows.callbacks import ReviewAction, pack
from flows.conversation import State
from flows.events import ReturnForm
from flows.form_engine import FormState
from flows.messages import Button, Msg, Reply
from flows.program import JP_RIGHT_PER_YEAR, Status, jp_earned
from storage import repo
from storage.repo import Person, SubmissionRecord


def review_message(t: Turn, record: SubmissionRecord, coachee: Person) -> Reply:
    spec = t.specs.forms[record.form_id]
    form = FormState(record.id, spec.id, record.spec_version, record.answers, len(spec.fields))
    body = form_engine.summary(form, spec, with_buttons=False)
    head = Msg("review.notification", {
        "name": coachee.nama, "nip": coachee.nip, "stage": t.stage_title(record.program, record.stage),
    })
    return Reply((head, *body.lines), ((
        Button(Msg("button.confirm"), pack(ReviewAction(record.id, "ok"))),
        Button(Msg("button.request_fix"), pack(ReviewAction(record.id, "fix"))),
    ),))


async def waiting(t: Turn, state: State, args: str) -> State:
    forms = await repo.waiting_for(t.s, t.person.id)
    if not forms:
        t.say("review.none")
        return state
    lines = [Msg("review.list_title", {"count": len(forms)})]
    buttons = []
    for i, (record, coachee) in enumerate(forms, 1):
        lines.append(Msg("review.list_item", {
            "n": i, "name": coachee.nama, "stage": t.stage_title(record.program, record.stage),
            "date": t.local_date(record.submitted_at) if record.submitted_at else "-",
        }))
        buttons.append((Button(Msg("review.open_button", {"n": i, "name": coachee.nama}),
                               pack(ReviewAction(record.id, "v"))),))
    t.reply(Reply(tuple(lines), tuple(buttons[:50])))
    return state


async def pressed(t: Turn, state: State, cb: ReviewAction) -> State:
    record = await repo.submission_for_update(t.s, cb.submission_id)
    if record is None or record.coach_id != t.person.id:
        t.say("error.stale_button")
        return state
    if cb.action == "x":
        t.say("review.comment_cancelled")
        return None if isinstance(state, conversation.ReviewCommentState) else state
    if record.status is not Status.SUBMITTED:
        t.say("review.already_decided", status=Msg(f"status.{record.status.value}"))
        return state
    coachee = await repo.person_by_id(t.s, record.employee_id)
    assert coachee is not None
    if cb.action == "v":
        t.reply(review_message(t, record, coachee))
        return state
    if cb.action == "ok":
        program = t.specs.programs[record.program]
        jp = jp_earned(program.stage(record.stage), record.answers)
        await repo.decide(t.s, record.id, Status.CONFIRMED, t.now, jp=jp)
        stage = t.stage_title(record.program, record.stage)
        t.say("review.confirmed", name=coachee.nama, stage=stage, jp=jp)
        total = await repo.jp_total(t.s, coachee.id, record.year)
        t.notify(coachee, Reply((Msg("review.confirmed_coachee", {
            "stage": stage, "coach": t.person.nama, "jp": jp, "total": total,
            "target": JP_RIGHT_PER_YEAR,
        }),)))
        return state
    if cb.action == "fix":
        if isinstance(state, FormState):
            t.say("form.paused")  # the core stores the draft as the form is left
        step = conversation.ask_review_comment(record.id)
        t.reply(*step.replies)
        asking: State = step.state
        return asking
    t.say("error.stale_button")
    return state


async def return_form(t: Turn, cmd: ReturnForm) -> None:
    record = await repo.submission_for_update(t.s, cmd.submission_id)
    if record is None or record.coach_id != t.person.id or record.status is not Status.SUBMITTED:
        t.say("review.already_decided_plain")
        return
    await repo.decide(t.s, record.id, Status.RETURNED, t.now, comment=cmd.comment)
    coachee = await repo.person_by_id(t.s, record.employee_id)
    assert coachee is not None
    stage = t.stage_title(record.program, record.stage)
    t.say("review.returned", name=coachee.nama, stage=stage)
    t.notify(coachee, Reply((Msg("review.returned_coachee", {
        "stage": stage, "coach": t.person.nama, "comment": cmd.comment,
    }),)))
