"""Filling forms: /isi opens what is due (or asks which, when several are),
a coach opens the forms they fill about a coachee, and sending a form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.handlers import review
from bot.handlers.taking_part import Taking, coach_id, enrolment_of, roster_facts, signer_id, taking_part
from bot.i18n import LANGUAGES
from bot.turn import Turn
from flows import form_engine
from flows.callbacks import OpenActivity, pack
from flows.conversation import State
from flows.events import SubmitForm
from flows.form_engine import FormState
from flows.form_spec import FormSpec, Role
from flows.form_view import initial_answers, summary_cursor
from flows.messages import Button, Msg, Reply
from flows.program import (
    Status,
    activity_day,
    closes_on,
    coachee_turn,
    due_activity,
    find_stage,
    is_done,
    opened,
)
from flows.spec import Activity, ProgramSpec
from flows.workflow import FORM_MOVES, move
from storage import repo
from storage.repo import Person, SubmissionRecord


@dataclass(frozen=True, slots=True)
class Item:
    """Something the coachee can fill now."""

    program: ProgramSpec
    activity: Activity
    cycle: int
    record: SubmissionRecord | None
    late: bool


def show(t: Turn, form: FormState) -> FormState:
    step = form_engine.show(form, t.context().frame(form, t.now))
    t.reply(*step.replies)
    return replace(form, notice=())


def opening(program: ProgramSpec, activity: Activity, t: Turn) -> Msg:
    form = t.specs.forms[activity.form]
    return Msg("form.opening", {"program": Msg(program.title), "stage": Msg(activity.title),
                                "form": Msg(form.title)})


async def fill(t: Turn, state: State, args: str) -> State:
    if isinstance(state, FormState):
        if args:
            # One form at a time: the named one waits until this one is sent or left.
            t.say("fill.finish_first", name=args)
        return await _resume(t, state)
    if args:
        return await _fill_named(t, state, args)
    # The person's programs and where they stand, read once for everything below.
    takings = await taking_part(t, t.person)
    records = {(x.program.id, x.cycle): await repo.statuses(t.s, t.person.id, x.program.id, x.cycle)
               for x in takings}
    items = await _due(t, takings, records)
    if len(items) == 1:
        item = items[0]
        return await open_record(t, item.program, item.activity, item.cycle, t.person, item.record, item.late)
    if items:
        rows = tuple((Button(_pick_label(t, i), pack(OpenActivity(i.program.id, i.activity.id, t.person.id,
                                                                    i.cycle))),) for i in items)
        t.reply(Reply((Msg("fill.pick", {"count": len(items)}),), rows))
        return state
    waiting = _waiting_for_others(t, takings, records)
    logs = any(a.schedule.kind == "log" for x in takings for a in x.program.activities)
    t.reply(Reply(tuple(waiting) or (Msg("fill.nothing_due_logs" if logs else "fill.nothing_due"),)))
    return state


def _pick_label(t: Turn, item: Item) -> Msg:
    returned = item.record is not None and item.record.status is Status.RETURNED
    key = "fill.pick_returned" if returned else "fill.pick_late" if item.late else "fill.pick_button"
    return Msg(key, {"program": Msg(item.program.title), "stage": Msg(item.activity.title),
                     "year": item.cycle})


Records = dict[tuple[str, int], dict[str, SubmissionRecord]]


async def _due(t: Turn, takings: list[Taking], records: Records) -> list[Item]:
    """Forms sent back for changes (of any year) first, then each program's due activity."""
    items: dict[tuple[str, str, int], Item] = {}
    for record in await repo.returned_forms(t.s, t.person.id):
        program = t.specs.programs.get(record.program)
        activity = program.find(record.activity) if program else None
        if program and activity:
            key = (program.id, activity.id, record.year)
            items[key] = Item(program, activity, record.year, record, False)
    for taking in takings:
        mine = records[(taking.program.id, taking.cycle)]
        due = due_activity(taking.program, {k: r.status for k, r in mine.items()}, t.today, taking.cycle)
        if due is not None:
            key = (taking.program.id, due.activity.id, taking.cycle)
            items.setdefault(key, Item(taking.program, due.activity, taking.cycle,
                                       mine.get(due.activity.id), due.late))
    return list(items.values())


def _waiting_for_others(t: Turn, takings: list[Taking], records: Records) -> list[Msg]:
    """Why nothing is due: forms with the coach, or a step only the coach fills."""
    lines: list[Msg] = []
    for taking in takings:
        statuses = {k: r.status for k, r in records[(taking.program.id, taking.cycle)].items()}
        for activity in taking.program.activities:
            status = statuses.get(activity.id, Status.NOT_STARTED)
            if status is Status.SUBMITTED:
                lines.append(Msg("fill.waiting_item", {"stage": Msg(activity.title)}))
            elif activity.filled_by == "coach" and activity.part_of is None and not is_done(status) \
                    and opened(taking.program, activity, statuses, taking.cycle, t.today):
                lines.append(Msg("fill.coach_fills", {"stage": Msg(activity.title)}))
    return lines


async def _fill_named(t: Turn, state: State, name: str) -> State:
    """/isi <name>: the activity the person named, if it is theirs to fill now."""
    for taking in await taking_part(t, t.person):
        titles = {a.id: [t.app.catalogs.render(Msg(a.title), lang) for lang in LANGUAGES]
                  for a in taking.program.activities}
        activity = find_stage(taking.program, name, titles, taking.program.activities)
        if activity is not None:
            return await open_for_coachee(t, state, taking, activity)
    t.say("fill.unknown_name", name=name)
    return state


async def open_for_coachee(t: Turn, state: State, taking: Taking, activity: Activity) -> State:
    program, cycle = taking.program, taking.cycle
    if activity.filled_by == "coach":
        coach = await _person(t, coach_id(t.person, taking))
        t.say("fill.coach_only", stage=Msg(activity.title), coach=coach.nama if coach else "-")
        return state
    if activity.schedule.kind == "log":
        return await open_entry(t, program, activity, cycle)
    records = await repo.statuses(t.s, t.person.id, program.id, cycle)
    statuses = {k: r.status for k, r in records.items()}
    status = statuses.get(activity.id, Status.NOT_STARTED)
    if not coachee_turn(activity, status):
        t.say(f"fill.already_{status.value}", stage=Msg(activity.title))
        return state
    if not opened(program, activity, statuses, cycle, t.today):
        t.say("fill.not_open_yet", stage=Msg(activity.title))
        return state
    closes = closes_on(activity, cycle)
    return await open_record(t, program, activity, cycle, t.person, records.get(activity.id),
                       closes is not None and t.today > closes)


async def open_entry(t: Turn, program: ProgramSpec, activity: Activity, cycle: int) -> State:
    """A log's entry: the one left half-way (one at a time), else a new one."""
    unfinished = await repo.open_entry(t.s, t.person.id, program.id, activity.id)
    if unfinished is not None:
        return await open_record(t, program, activity, unfinished.year, t.person, unfinished)
    occurrence = await repo.next_occurrence(t.s, t.person.id, program.id, activity.id, cycle)
    return await open_record(t, program, activity, cycle, t.person, None, occurrence=occurrence)


async def open_pressed(t: Turn, state: State, cb: OpenActivity) -> State:
    program = t.specs.programs.get(cb.program)
    activity = program.find(cb.activity) if program else None
    if program is None or activity is None:
        t.say("form.program_inactive")
        return state
    if cb.coachee_id == t.person.id:
        taking = await enrolment_of(t, t.person, program, cb.cycle)
        if taking is None:
            t.say("error.stale_button")
            return state
        return await open_for_coachee(t, state, taking, activity)
    return await _open_as_coach(t, state, program, activity, cb)


async def _open_as_coach(t: Turn, state: State, program: ProgramSpec, activity: Activity,
                         cb: OpenActivity) -> State:
    """A coach opens the form they fill about their coachee: one only they
    fill, or their part of one filled by both once the coachee sent theirs."""
    coachee = await repo.person_by_id(t.s, cb.coachee_id)
    taking = await enrolment_of(t, coachee, program, cb.cycle) if coachee else None
    if coachee is None or taking is None or coach_id(coachee, taking) != t.person.id:
        t.say("error.stale_button")
        return state
    records = await repo.statuses(t.s, coachee.id, program.id, cb.cycle)
    statuses = {k: r.status for k, r in records.items()}
    status = statuses.get(activity.id, Status.NOT_STARTED)
    if activity.filled_by == "coachee" or status is Status.CONFIRMED:
        t.say("review.already_decided", status=Msg(f"status.{status.value}"))
        return state
    if activity.filled_by == "both" and status is not Status.SUBMITTED:
        t.say("review.coachee_first", name=coachee.nama, stage=Msg(activity.title))
        return state
    if not opened(program, activity, statuses, cb.cycle, t.today):
        t.say("fill.not_open_yet", stage=Msg(activity.title))
        return state
    return await open_record(t, program, activity, cb.cycle, coachee, records.get(activity.id), role="coach")


async def _person(t: Turn, person_id: int | None) -> Person | None:
    return await repo.person_by_id(t.s, person_id) if person_id is not None else None


async def open_record(t: Turn, program: ProgramSpec, activity: Activity, cycle: int, coachee: Person,
                      record: SubmissionRecord | None, late: bool = False, role: Role = "coachee",
                      occurrence: int = 0) -> FormState:
    """Open a form (made now if it is new, with what it starts from) as its
    coachee or as their coach."""
    spec = t.specs.forms[activity.form]
    taking = await enrolment_of(t, coachee, program, cycle)
    if record is None:
        # The coach is read only for a form that starts from their roster facts.
        coach = await _person(t, coach_id(coachee, taking)) if taking and _shows_coach(spec) else None
        earlier, carried = await _carried(t, coachee, program, activity, cycle)
        answers = initial_answers(spec, roster_facts(coachee, coach), earlier, carried)
        record = await repo.create_draft(t.s, coachee.id, program.id, activity.id, cycle, spec.id,
                                         spec.version, t.now, answers=answers, occurrence=occurrence)
    notice: list[Msg] = [opening(program, activity, t)]
    notice.extend(_identity(spec, record.answers))
    if role == "coach":
        notice.append(Msg("form.about_coachee", {"name": coachee.nama, "nip": coachee.nip}))
    if late:
        notice.append(Msg("form.late", {"closes": closes_on(activity, record.year)}))
    if role == "coachee" and activity.sign_by is not None and taking is not None \
            and signer_id(activity, coachee, taking) is None:
        notice.append(Msg("form.no_coach_warning"))
    # The coach's part of a shared form starts at their first question; the
    # record's cursor is where its filler left off.
    own = role == "coachee" or activity.filled_by == "coach"
    cursor = record.cursor if own else 0
    end = summary_cursor(spec, record.answers, role, activity.filled_by)
    if record.status is Status.RETURNED:
        notice.append(Msg("form.returned_notice", {"comment": record.review_comment or "-"}))
        cursor = end
    elif record.status is Status.DRAFT and own:
        notice.append(Msg("form.resumed"))
    form = FormState(record.id, spec.id, record.spec_version, record.answers, min(cursor, end), False,
                     tuple(notice), program=program.id, activity=activity.id, year=record.year, role=role,
                     started=record.status is not Status.NOT_STARTED or not own)
    return show(t, form_engine.reconcile(form, spec, activity.filled_by))


def _identity(spec: FormSpec, answers: Mapping[str, str]) -> list[Msg]:
    """What the form takes from the roster, shown up front under its
    section's title (the coachee's block, the coach's block)."""
    lines: list[Msg] = []
    for section in spec.sections:
        known = [f for f in section.fields if f.read_only and answers.get(f.name)]
        if known:
            lines.append(Msg("form.identity_title", {"title": Msg(section.title)}))
            lines.extend(Msg("form.identity_line", {"label": Msg(f.label), "value": answers[f.name]})
                         for f in known)
    return lines


def _shows_coach(spec: FormSpec) -> bool:
    return any(f.source is not None and f.source.startswith("coach.") for f in spec.fields)


async def _carried(t: Turn, coachee: Person, program: ProgramSpec, activity: Activity,
                   cycle: int) -> tuple[dict[str, str], tuple[str, ...]]:
    """Answers an activity starts from: the latest earlier activity named in
    its `prefill` that has answers (check-ins carry the Rencana's RHK)."""
    if activity.prefill is None:
        return {}, ()
    records = await repo.statuses(t.s, coachee.id, program.id, cycle)
    for earlier in activity.prefill.from_:
        found = records.get(earlier)
        if found is not None and found.answers:
            return dict(found.answers), activity.prefill.fields
    return {}, ()


async def _resume(t: Turn, state: FormState) -> FormState:
    """/isi with a form open: the same form, with its header, where it was."""
    if not state.program:  # a draft kept before forms knew their activity
        record = await repo.submission_for_update(t.s, state.submission_id)
        if record is not None:
            state = replace(state, program=record.program, activity=record.activity, year=record.year)
    activity = t.activity_of(state.program, state.activity)
    header: list[Msg] = []
    if activity is not None:
        header.append(opening(t.specs.programs[state.program], activity, t))
        closes = closes_on(activity, state.year or t.today.year)
        if closes is not None and t.today > closes:
            header.append(Msg("form.late", {"closes": closes}))
    current = form_engine.reconcile(state, t.specs.forms[state.form_id],
                                    activity.filled_by if activity else "coachee")
    return show(t, replace(current, notice=(*header, *current.notice, Msg("form.resumed"))))


async def submit(t: Turn, cmd: SubmitForm) -> None:
    record = await repo.submission_for_update(t.s, cmd.submission_id)
    if record is None:
        t.say("error.stale_button")
        return
    program = t.specs.programs.get(record.program)
    activity = program.find(record.activity) if program else None
    if program is None or activity is None:
        t.say("form.program_inactive")
        return
    mine = record.employee_id == t.person.id
    coachee = t.person if mine else await repo.person_by_id(t.s, record.employee_id)
    taking = await enrolment_of(t, coachee, program, record.year) if coachee else None
    if coachee is None or taking is None or not _may_send(t, record, activity, coachee, taking):
        t.say("error.stale_button")
        return
    day = activity_day(t.specs.forms[record.form_id], cmd.answers, t.today)
    closes = closes_on(activity, record.year)
    late = closes is not None and t.today > closes
    sent = replace(record, answers=dict(cmd.answers), day=day, late=late)
    if not mine or activity.sign_by is None:
        # The coach's own part is their signature (K:1054); a form nobody
        # signs is complete when sent.
        if record.status is not Status.SUBMITTED:
            await repo.submit(t.s, record.id, sent.answers, None if mine else t.person.id, t.now, late, day)
        await repo.decide(t.s, record.id, Status.CONFIRMED, t.now, answers=sent.answers)
        await review.complete(t, replace(sent, status=Status.CONFIRMED), coachee, program, activity)
        return
    signer = await _person(t, signer_id(activity, coachee, taking))
    await repo.submit(t.s, record.id, sent.answers, signer.id if signer else None, t.now, late, day)
    stage = Msg(activity.title)
    if signer is None:
        t.say("form.submitted_no_coach", stage=stage)
        return
    # Log entries get a paraf (from the atasan, for Langsa's self-study); forms a confirmation.
    paraf = "_paraf_atasan" if activity.sign_by == "atasan" else "_paraf" if activity.schedule.kind == "log" \
        else ""
    if signer.telegram_id is None:
        t.say("form.submitted_coach_not_joined", stage=stage, coach=signer.nama)
    else:
        t.say(f"form.submitted{paraf}", stage=stage, coach=signer.nama)
    t.notify(signer, review.review_message(t, replace(sent, status=Status.SUBMITTED, coach_id=signer.id),
                                           coachee))


def _may_send(t: Turn, record: SubmissionRecord, activity: Activity, coachee: Person, taking: Taking) -> bool:
    if record.employee_id == t.person.id:
        return activity.filled_by != "coach" and move(FORM_MOVES, record.status, "send") is not None
    if coach_id(coachee, taking) != t.person.id:
        return False
    if activity.filled_by == "coach":
        return record.status is not Status.CONFIRMED
    return activity.filled_by == "both" and record.status is Status.SUBMITTED
