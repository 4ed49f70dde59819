"""The coach's side: /tinjau lists everything waiting for this person as
coach or atasan (requests, sign-offs, forms only they fill), reading a
sent form, signing it or sending it back with a comment. Who may decide is
checked against the roster and enrolments as they are today, so a change of
coach takes effect at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.handlers import ledger
from bot.handlers.taking_part import Taking, coach_id, enrolment_of, signer_id, taking_part
from bot.turn import Turn
from flows import conversation, form_engine
from flows.access import monitoring_scope
from flows.callbacks import EnrolAction, OpenActivity, ReviewAction, pack
from flows.conversation import State
from flows.events import ReturnForm
from flows.form_engine import FormState
from flows.messages import Button, Msg, Reply
from flows.program import JP_RIGHT_PER_YEAR, Status, is_done, jp_rule, opened
from flows.program_spec import Activity, ProgramSpec
from flows.workflow import FORM_MOVES, EnrolmentStatus, move
from storage import repo
from storage.repo import Person, SubmissionRecord


def review_message(t: Turn, record: SubmissionRecord, coachee: Person) -> Reply:
    spec = t.specs.forms[record.form_id]
    form = FormState(record.id, spec.id, record.spec_version, record.answers, len(spec.fields))
    body = form_engine.summary(form, spec, with_buttons=False,
                               jp=jp_rule(t.specs.programs, record.program, record.activity))
    activity = t.activity_of(record.program, record.activity)
    key = "review.notification_paraf" if record.occurrence else "review.notification"
    head = [Msg(key, {"name": coachee.nama, "nip": coachee.nip, "stage": t.record_title(record)})]
    head.extend(_marks(record))
    fix = Button(Msg("button.request_fix"), pack(ReviewAction(record.id, "fix")))
    if activity is not None and activity.filled_by == "both":
        # The coach's part comes before their signature.
        head.append(Msg("review.your_part"))
        first = Button(Msg("button.fill_my_part"),
                       pack(OpenActivity(record.program, record.activity, coachee.id, record.year)))
    else:
        key = "button.paraf" if activity is not None and activity.schedule.kind == "log" else "button.confirm"
        first = Button(Msg(key), pack(ReviewAction(record.id, "ok")))
    return Reply((*head, *body.lines), ((first, fix),))


def _marks(record: SubmissionRecord) -> list[Msg]:
    marks = []
    if record.late:
        marks.append(Msg("review.mark_late"))
    if record.status is Status.SUBMITTED and record.review_comment:
        # Sent back once already: the coach sees it is a revision, and of what.
        marks.append(Msg("review.mark_resubmitted", {"comment": record.review_comment}))
    return marks


@dataclass(frozen=True, slots=True)
class Waiting:
    """One line of /tinjau and its button; both are numbered when listed."""

    since: datetime | None
    line: Msg
    marks: tuple[Msg, ...]
    label: Msg
    data: str

    def numbered(self, n: int) -> tuple[list[Msg], Button]:
        line = Msg(self.line.key, {**self.line.params, "n": n})
        return [line, *self.marks], Button(Msg(self.label.key, {**self.label.params, "n": n}), self.data)


async def waiting(t: Turn, state: State, args: str) -> State:
    items = [*await _requests(t), *await _sign_offs(t), *await _forms_to_fill(t)]
    if not items:
        if await repo.coachees_of(t.s, t.person.id) or await repo.chosen_coachees(t.s, t.person.id):
            t.say("review.none")
        elif monitoring_scope(t.person.roles, t.person.unit_id, t.person.unit_utama_id):
            t.say("review.not_coach_monitor")
        else:
            t.say("review.not_coach")
        return state
    items.sort(key=lambda w: (w.since is None, w.since or t.now))
    lines = [Msg("review.list_title", {"count": len(items)})]
    buttons = []
    for i, item in enumerate(items, 1):
        said, button = item.numbered(i)
        lines.extend(said)
        buttons.append((button,))
    t.reply(Reply(tuple(lines), tuple(buttons[:50])))
    return state


async def _requests(t: Turn) -> list[Waiting]:
    found = []
    for enrolment, coachee in await repo.requests_for(t.s, t.person.id):
        program = t.specs.programs.get(enrolment.program)
        if program is None:
            continue
        found.append(Waiting(
            enrolment.requested_at,
            Msg("review.item_request", {"name": coachee.nama, "program": Msg(program.title)}),
            (), Msg("review.open_request", {"name": coachee.nama}), pack(EnrolAction(enrolment.id, "v"))))
    return found


async def _sign_offs(t: Turn) -> list[Waiting]:
    found = []
    for record, coachee in await repo.waiting_for(t.s, t.person.id):
        if await _signer(t, record, coachee) != t.person.id:
            continue
        stage = t.record_title(record)
        sent = t.local_date(record.submitted_at) if record.submitted_at else "-"
        found.append(Waiting(
            record.submitted_at,
            Msg("review.list_item", {"name": coachee.nama, "stage": stage, "date": sent}),
            tuple(_marks(record)), Msg("review.open_button", {"name": coachee.nama, "stage": stage}),
            pack(ReviewAction(record.id, "v"))))
    return found


async def _forms_to_fill(t: Turn) -> list[Waiting]:
    """Forms only this coach fills, for coachees whose turn has come."""
    coachees = {p.id: p for p in await repo.coachees_of(t.s, t.person.id)}
    coachees.update({p.id: p for _, p in await repo.chosen_coachees(t.s, t.person.id)})
    found = []
    for coachee in coachees.values():
        for taking in await taking_part(t, coachee):
            if coach_id(coachee, taking) != t.person.id:
                continue
            for activity in await coach_turns(t, coachee, taking):
                about = {"name": coachee.nama, "stage": Msg(activity.title)}
                found.append(Waiting(
                    None, Msg("review.item_fill", about), (), Msg("review.open_button", about),
                    pack(OpenActivity(taking.program.id, activity.id, coachee.id, taking.cycle))))
    return found


async def coach_turns(t: Turn, coachee: Person, taking: Taking) -> list[Activity]:
    coach_only = [a for a in taking.program.activities if a.filled_by == "coach"]
    if not coach_only:
        return []
    records = await repo.statuses(t.s, coachee.id, taking.program.id, taking.cycle)
    statuses = {k: r.status for k, r in records.items()}
    return [a for a in coach_only if not is_done(statuses.get(a.id, Status.NOT_STARTED))
            and opened(taking.program, a, statuses, taking.cycle, t.today)]


async def _signer(t: Turn, record: SubmissionRecord, coachee: Person) -> int | None:
    program = t.specs.programs.get(record.program)
    activity = program.find(record.activity) if program else None
    taking = await enrolment_of(t, coachee, program, record.year) if program else None
    if activity is None or taking is None:
        return coachee.coach_id  # a program switched off: its forms stay with the roster's coach
    return signer_id(activity, coachee, taking)


async def _record_for_me(t: Turn, submission_id: int) -> tuple[SubmissionRecord, Person] | None:
    """The submission and its coachee, if this person signs it today."""
    record = await repo.submission_for_update(t.s, submission_id)
    if record is None:
        return None
    coachee = await repo.person_by_id(t.s, record.employee_id)
    if coachee is None or await _signer(t, record, coachee) != t.person.id:
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
    if move(FORM_MOVES, record.status, "confirm") is None:
        t.say("review.already_decided", status=Msg(f"status.{record.status.value}"))
        return state
    if cb.action == "v":
        t.reply(review_message(t, record, coachee))
        return state
    if cb.action == "ok":
        await _confirm(t, record, coachee)
        return state
    if cb.action == "fix":
        resume = t.form_to_resume(state)
        if resume is not None:
            t.say("form.paused")
        step = conversation.ask_review_comment(record.id, resume)
        t.reply(*step.replies)
        asking: State = step.state
        return asking
    t.say("error.stale_button")
    return state


async def _confirm(t: Turn, record: SubmissionRecord, coachee: Person) -> None:
    program = t.specs.programs.get(record.program)
    activity = program.find(record.activity) if program else None
    if program is None or activity is None:
        t.say("review.program_inactive")
        return
    if activity.filled_by == "both":
        t.say("review.fill_part_first")
        return
    await repo.decide(t.s, record.id, Status.CONFIRMED, t.now)
    await complete(t, record, coachee, program, activity)


async def complete(t: Turn, record: SubmissionRecord, coachee: Person, program: ProgramSpec,
                   activity: Activity) -> None:
    """An activity is complete (signed, or sent where nobody signs): credit
    its JP, record the program's completion, and tell both people."""
    lines = await ledger.credit_completed(t, record)
    jp = lines[record.id].credited if record.id in lines else 0
    stage = t.record_title(record)
    notes = form_engine.no_jp_lines(activity.jp, t.specs.forms[record.form_id], record.answers)
    line = lines.get(record.id)
    if line is not None and line.rule != "when" and line.reason.key != "jp.credited":
        notes.append(line.reason)  # a cap or a bonus: say how the figure came about
    held = activity.jp is not None and activity.jp.held_until not in (None, activity.id) \
        and record.id not in lines
    released = sum((x.credited for sid, x in lines.items() if sid != record.id), Decimal(0))
    if released:
        notes.append(Msg("review.jp_released", {"jp": released}))
    if await _program_completed(t, program, coachee, record.year):
        notes.append(Msg("review.program_completed", {"program": Msg(program.title)}))
    earned = jp + released
    if coachee.id == t.person.id:
        t.reply(Reply((Msg("form.submitted_done", {"stage": stage, "jp": earned}), *notes)))
        return
    # A form only the coach fills is "sent", a log entry "signed" (paraf), any other "confirmed";
    # JP that wait for a later activity are said to come then, not as 0.
    key = "review.coach_form_sent" if activity.filled_by == "coach" \
        else "review.paraf_given" if activity.schedule.kind == "log" \
        else "review.confirmed_held" if held else "review.confirmed"
    after = Msg(program.activity(activity.jp.held_until).title) if held and activity.jp and \
        activity.jp.held_until else None
    t.reply(Reply((Msg(key, {"name": coachee.nama, "stage": stage, "jp": earned, "after": after}), *notes)))
    total = await repo.jp_total(t.s, coachee.id, t.today.year)
    t.notify(coachee, Reply((Msg(f"{key}_coachee", {
        "stage": stage, "coach": t.person.nama, "jp": earned, "total": total, "target": JP_RIGHT_PER_YEAR,
        "after": after,
    }), *notes)))


async def _program_completed(t: Turn, program: ProgramSpec, coachee: Person, cycle: int) -> bool:
    """A program of sessions in order is complete when its last one is: the
    enrolment records it (the certificate is issued from it)."""
    steps = [a for a in program.activities if a.schedule.kind == "sequence"]
    if not steps:
        return False
    records = await repo.statuses(t.s, coachee.id, program.id, cycle)
    if not all(a.id in records and is_done(records[a.id].status) for a in steps):
        return False
    enrolment = next((e for e in await repo.enrolments_of(t.s, coachee.id)
                      if e.program == program.id and e.cycle == cycle), None)
    if enrolment is None or enrolment.status is not EnrolmentStatus.ACTIVE:
        return False
    await repo.set_enrolment_status(t.s, enrolment.id, EnrolmentStatus.COMPLETED, t.now)
    return True


async def return_form(t: Turn, state: State, cmd: ReturnForm) -> State:
    found = await _record_for_me(t, cmd.submission_id)
    if found is None or move(FORM_MOVES, found[0].status, "return") is None:
        t.say("review.already_decided_plain")
    else:
        record, coachee = found
        await repo.decide(t.s, record.id, Status.RETURNED, t.now, comment=cmd.comment)
        stage = t.record_title(record)
        t.say("review.returned", name=coachee.nama, stage=stage)
        t.notify(coachee, Reply((Msg("review.returned_coachee", {
            "stage": stage, "coach": t.person.nama, "comment": cmd.comment,
        }),)))
    return t.back_to_form(state)
