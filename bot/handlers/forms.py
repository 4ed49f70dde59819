"""The coachee's side: /isi opens what is due, /status, and sending a form."""

from __future__ import annotations

from dataclasses import replace

from bot.handlers import ledger
from bot.handlers.review import review_message
from bot.turn import Turn
from flows import form_engine
from flows.conversation import State
from flows.events import SubmitForm
from flows.form_engine import FormState
from flows.messages import Msg, Reply
from flows.program import (
    JP_RIGHT_PER_YEAR,
    ActivityWindow,
    Status,
    activity_day,
    closes_on,
    due_stage,
    windows,
)
from flows.spec import Activity, ProgramSpec
from storage import repo
from storage.repo import SubmissionRecord


def show(t: Turn, form: FormState) -> FormState:
    step = form_engine.show(form, t.context().frame(form, t.now))
    t.reply(*step.replies)
    return replace(form, notice=())


def _opening(t: Turn, program: ProgramSpec, stage: Activity) -> Msg:
    form = t.specs.forms[stage.form]
    return Msg("form.opening", {"program": Msg(program.title), "stage": Msg(stage.title),
                                "form": Msg(form.title)})


async def status(t: Turn, state: State, args: str) -> State:
    year = t.today.year
    lines: list[Msg] = [Msg("status.title", {"year": year, "name": t.person.nama})]
    for program in t.specs.programs.values():
        records = await repo.statuses(t.s, t.person.id, program.id, year)
        lines.append(Msg("status.program", {"program": Msg(program.title)}))
        for w in windows(program, year):
            record = records.get(w.activity.id)
            current = record.status if record else Status.NOT_STARTED
            lines.append(Msg("status.stage", {
                "stage": Msg(w.activity.title), "opens": w.opens, "closes": w.closes,
                "status": Msg(f"status.{current.value}"),
            }))
            lines.extend(_stage_flags(t, w, record, current))
    if t.person.coach_id is None:
        lines.append(Msg("status.no_coach"))
    jp = await repo.jp_total(t.s, t.person.id, year)
    lines.append(Msg("status.jp", {"jp": jp, "target": JP_RIGHT_PER_YEAR}))
    t.reply(Reply(tuple(lines)))
    return state


def _stage_flags(t: Turn, w: ActivityWindow, record: SubmissionRecord | None, current: Status) -> list[Msg]:
    """What a stage's status line leaves unsaid: late, running now, no JP."""
    done = current in (Status.SUBMITTED, Status.CONFIRMED)
    flags: list[Msg] = []
    if record is not None and record.late:
        flags.append(Msg("status.flag_sent_late"))
    elif not done and t.today > w.closes:
        flags.append(Msg("status.flag_late", {"closes": w.closes}))
    if not done and w.contains(t.today):
        flags.append(Msg("status.flag_current", {"days": (w.closes - t.today).days}))
    if record is not None and current is Status.CONFIRMED and record.form_id in t.specs.forms:
        flags.extend(form_engine.no_jp_lines(w.activity.jp, t.specs.forms[record.form_id], record.answers))
    return flags


async def fill(t: Turn, state: State, args: str) -> State:
    if isinstance(state, FormState):
        return await _resume(t, state)
    returned = await repo.returned_forms(t.s, t.person.id)
    for record in returned:
        # A form sent back for an earlier year's stage is still owed (and due first).
        stage = t.active_stage(record.program, record.activity)
        if stage is not None:
            return _open(t, t.specs.programs[record.program], stage, record, late=False)
    year = t.today.year
    for program in t.specs.programs.values():
        records = await repo.statuses(t.s, t.person.id, program.id, year)
        due = due_stage(program, {k: r.status for k, r in records.items()}, t.today)
        if due is None:
            continue
        spec = t.specs.forms[due.activity.form]
        record = records.get(due.activity.id) or await repo.create_draft(
            t.s, t.person.id, program.id, due.activity.id, year, spec.id, spec.version, t.now
        )
        return _open(t, program, due.activity, record, due.late)
    waiting = [
        r for p in t.specs.programs.values()
        for r in (await repo.statuses(t.s, t.person.id, p.id, year)).values()
        if r.status is Status.SUBMITTED
    ]
    t.say("fill.waiting" if waiting else "fill.nothing_due")
    return state


def _open(t: Turn, program: ProgramSpec, stage: Activity, record: SubmissionRecord, late: bool) -> FormState:
    spec = t.specs.forms[stage.form]
    notice: list[Msg] = [_opening(t, program, stage)]
    if late:
        notice.append(Msg("form.late", {"closes": closes_on(stage, record.year)}))
    if stage.sign_by == "coach" and t.person.coach_id is None:
        notice.append(Msg("form.no_coach_warning"))
    cursor = record.cursor
    if record.status is Status.RETURNED:
        notice.append(Msg("form.returned_notice", {"comment": record.review_comment or "-"}))
        cursor = len(spec.fields)
    elif record.answers:
        notice.append(Msg("form.resumed"))
    form = FormState(record.id, spec.id, record.spec_version, record.answers,
                     min(cursor, len(spec.fields)), False, tuple(notice),
                     program=program.id, stage=stage.id, year=record.year)
    return show(t, form_engine.reconcile(form, spec))


async def _resume(t: Turn, state: FormState) -> FormState:
    """/isi with a form open: the same form, with its header, where it was."""
    if not state.program:  # a draft kept before forms knew their stage
        record = await repo.submission_for_update(t.s, state.submission_id)
        if record is not None:
            state = replace(state, program=record.program, stage=record.activity, year=record.year)
    stage = t.active_stage(state.program, state.stage)
    header: list[Msg] = []
    if stage is not None:
        header.append(_opening(t, t.specs.programs[state.program], stage))
        closes = closes_on(stage, state.year or t.today.year)
        if closes is not None and t.today > closes:
            header.append(Msg("form.late", {"closes": closes}))
    current = form_engine.reconcile(state, t.specs.forms[state.form_id])
    return show(t, replace(current, notice=(*header, *current.notice, Msg("form.resumed"))))


async def submit(t: Turn, cmd: SubmitForm) -> None:
    record = await repo.submission_for_update(t.s, cmd.submission_id)
    if record is None or record.employee_id != t.person.id or \
            record.status in (Status.SUBMITTED, Status.CONFIRMED):
        t.say("error.stale_button")
        return
    stage_spec = t.active_stage(record.program, record.activity)
    if stage_spec is None:
        t.say("form.program_inactive")
        return
    stage = Msg(stage_spec.title)
    closes = closes_on(stage_spec, record.year)
    late = closes is not None and t.today > closes
    day = activity_day(t.specs.forms[record.form_id], cmd.answers, t.today)
    if stage_spec.sign_by is None:
        # Nobody confirms this stage: sending it completes it.
        await repo.submit(t.s, record.id, dict(cmd.answers), None, t.now, late, day)
        await repo.decide(t.s, record.id, Status.CONFIRMED, t.now)
        done = replace(record, answers=dict(cmd.answers), status=Status.CONFIRMED, day=day)
        lines = await ledger.credit_completed(t, done)
        jp = lines[record.id].credited if record.id in lines else 0
        t.say("form.submitted_done", stage=stage, jp=jp)
        return
    coach = await repo.person_by_id(t.s, t.person.coach_id) if t.person.coach_id else None
    await repo.submit(t.s, record.id, dict(cmd.answers), coach.id if coach else None, t.now, late, day)
    if coach is None:
        t.say("form.submitted_no_coach", stage=stage)
        return
    if coach.telegram_id is None:
        t.say("form.submitted_coach_not_joined", stage=stage, coach=coach.nama)
    else:
        t.say("form.submitted", stage=stage, coach=coach.nama)
    submitted = replace(record, answers=dict(cmd.answers), status=Status.SUBMITTED, coach_id=coach.id,
                        late=late)
    t.notify(coach, review_message(t, submitted, t.person))
