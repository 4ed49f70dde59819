"""The coachee's side: /isi opens what is due, /status, and sending a form."""

from __future__ import annotations

from dataclasses import replace

from bot.handlers.review import review_message
from bot.turn import Turn
from flows import form_engine
from flows.conversation import State
from flows.events import SubmitForm
from flows.form_engine import FormState
from flows.messages import Msg, Reply
from flows.program import JP_RIGHT_PER_YEAR, Status, due_stage, jp_earned, windows
from storage import repo


def show(t: Turn, form: FormState) -> FormState:
    spec = t.specs.forms[form.form_id]
    step = form_engine.show(form, spec, t.today)
    t.reply(*step.replies)
    return replace(form, notice=())


async def status(t: Turn, state: State, args: str) -> State:
    year = t.today.year
    lines: list[Msg] = [Msg("status.title", {"year": year, "name": t.person.nama})]
    for program in t.specs.programs.values():
        records = await repo.statuses(t.s, t.person.id, program.id, year)
        lines.append(Msg("status.program", {"program": Msg(program.title)}))
        for w in windows(program, year):
            record = records.get(w.stage.id)
            current = record.status if record else Status.NOT_STARTED
            lines.append(Msg("status.stage", {
                "stage": Msg(w.stage.title), "opens": w.opens, "closes": w.closes,
                "status": Msg(f"status.{current.value}"),
            }))
    jp = await repo.jp_total(t.s, t.person.id, year)
    lines.append(Msg("status.jp", {"jp": jp, "target": JP_RIGHT_PER_YEAR}))
    t.reply(Reply(tuple(lines)))
    return state


async def fill(t: Turn, state: State, args: str) -> State:
    if isinstance(state, FormState):
        spec = t.specs.forms[state.form_id]
        current = form_engine.reconcile(state, spec)
        return show(t, replace(current, notice=(*current.notice, Msg("form.resumed"))))
    year = t.today.year
    for program in t.specs.programs.values():
        records = await repo.statuses(t.s, t.person.id, program.id, year)
        due = due_stage(program, {k: r.status for k, r in records.items()}, t.today)
        if due is None:
            continue
        spec = t.specs.forms[due.stage.form]
        record = records.get(due.stage.id) or await repo.create_draft(
            t.s, t.person.id, program.id, due.stage.id, year, spec.id, spec.version, t.now
        )
        notice: list[Msg] = [Msg("form.opening", {
            "program": Msg(program.title), "stage": Msg(due.stage.title), "form": Msg(spec.title),
        })]
        if due.late:
            notice.append(Msg("form.late", {"closes": due.stage.window.closes.on(year)}))
        cursor = record.cursor
        if record.status is Status.RETURNED:
            notice.append(Msg("form.returned_notice", {"comment": record.review_comment or "-"}))
            cursor = len(spec.fields)
        elif record.answers:
            notice.append(Msg("form.resumed"))
        form = FormState(record.id, spec.id, record.spec_version, record.answers,
                         min(cursor, len(spec.fields)), False, tuple(notice))
        return show(t, form_engine.reconcile(form, spec))
    waiting = [
        r for p in t.specs.programs.values()
        for r in (await repo.statuses(t.s, t.person.id, p.id, year)).values()
        if r.status is Status.SUBMITTED
    ]
    t.say("fill.waiting" if waiting else "fill.nothing_due")
    return state


async def submit(t: Turn, cmd: SubmitForm) -> None:
    record = await repo.submission_for_update(t.s, cmd.submission_id)
    if record is None or record.employee_id != t.person.id or \
            record.status in (Status.SUBMITTED, Status.CONFIRMED):
        t.say("error.stale_button")
        return
    stage = t.stage_title(record.program, record.stage)
    stage_spec = t.specs.programs[record.program].stage(record.stage)
    if stage_spec.confirmed_by is None:
        # Nobody confirms this stage: sending it completes it.
        jp = jp_earned(stage_spec, cmd.answers)
        await repo.submit(t.s, record.id, dict(cmd.answers), None, t.now)
        await repo.decide(t.s, record.id, Status.CONFIRMED, t.now, jp=jp)
        t.say("form.submitted_done", stage=stage, jp=jp)
        return
    coach = await repo.person_by_id(t.s, t.person.coach_id) if t.person.coach_id else None
    await repo.submit(t.s, record.id, dict(cmd.answers), coach.id if coach else None, t.now)
    if coach is None:
        t.say("form.submitted_no_coach", stage=stage)
        return
    if coach.telegram_id is None:
        t.say("form.submitted_coach_not_joined", stage=stage, coach=coach.nama)
    else:
        t.say("form.submitted", stage=stage, coach=coach.nama)
    submitted = replace(record, answers=dict(cmd.answers), status=Status.SUBMITTED, coach_id=coach.id)
    t.notify(coach, review_message(t, submitted, t.person))


