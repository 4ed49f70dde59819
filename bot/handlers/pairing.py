"""Joining a program that takes requests (Profesi, Talenta): /program, the
coach asked for, and the coach's answer. Both people hear of the request
and of the decision; a decision can be made once, by the coach asked."""

from __future__ import annotations

from bot.turn import Turn
from flows import conversation
from flows.callbacks import EnrolAction, JoinProgram, PickCoach, pack
from flows.conversation import State
from flows.events import DeclineRequest
from flows.messages import Button, Msg, Reply
from flows.program_spec import ProgramSpec
from flows.workflow import ENROLMENT_MOVES, EnrolmentStatus, move
from storage import repo
from storage.repo import EnrolmentRecord, Person


def may_join(program: ProgramSpec, person: Person) -> bool:
    """Whether the person may ask to join: a program that takes requests, and
    the roster's flag where the program needs one (Talenta, K:657)."""
    rule = program.enrolment
    return rule.mode == "request" and (rule.flag is None or rule.flag in person.flags)


async def programs(t: Turn, state: State, args: str) -> State:
    """/program: the person's programs and those they may ask to join."""
    mine = {e.program: e for e in await repo.enrolments_of(t.s, t.person.id)}
    lines: list[Msg] = [Msg("pairing.title")]
    buttons: list[tuple[Button, ...]] = []
    for program in t.specs.programs.values():
        enrolment = mine.get(program.id)
        if program.enrolment.mode == "automatic":
            lines.append(Msg("pairing.automatic", {"program": Msg(program.title)}))
        elif enrolment is not None and enrolment.status not in (EnrolmentStatus.DECLINED,
                                                                  EnrolmentStatus.WITHDRAWN):
            coach = await repo.person_by_id(t.s, enrolment.coach_id) if enrolment.coach_id else None
            lines.append(Msg(f"pairing.status_{enrolment.status.value}", {
                "program": Msg(program.title), "coach": coach.nama if coach else "-"}))
            if enrolment.status is EnrolmentStatus.REQUESTED:
                buttons.append((Button(Msg("button.withdraw", {"program": Msg(program.title)}),
                                       pack(EnrolAction(enrolment.id, "wd"))),))
        elif may_join(program, t.person):
            lines.append(Msg("pairing.may_join", {"program": Msg(program.title)}))
            buttons.append((Button(Msg("button.join", {"program": Msg(program.title)}),
                                   pack(JoinProgram(program.id))),))
    t.reply(Reply(tuple(lines), tuple(buttons)))
    return state


async def join_pressed(t: Turn, state: State, cb: JoinProgram) -> State:
    program = t.specs.programs.get(cb.program)
    if program is None or not may_join(program, t.person):
        t.say("pairing.may_not_join")
        return state
    coaches = await _coaches(t, program)
    if not coaches:
        t.say("pairing.no_coaches", program=Msg(program.title))
        return state
    rows = tuple((Button(Msg("button.pick_coach", {"name": c.nama, "jabatan": c.jabatan or "-"}),
                         pack(PickCoach(program.id, c.id))),) for c in coaches[:30])
    t.reply(Reply((Msg("pairing.pick_coach", {"program": Msg(program.title)}),), rows))
    return state


async def _coaches(t: Turn, program: ProgramSpec) -> list[Person]:
    """Whom the person may ask: the program's coaches of their unit utama."""
    assert program.enrolment.coaches is not None
    return [p for p in await repo.people_with_role(t.s, program.enrolment.coaches, t.person.unit_utama_id,
                                                   t.person.unit_id) if p.id != t.person.id]


async def coach_picked(t: Turn, state: State, cb: PickCoach) -> State:
    program = t.specs.programs.get(cb.program)
    if program is None or not may_join(program, t.person) \
            or cb.coach_id not in {c.id for c in await _coaches(t, program)}:
        t.say("error.stale_button")
        return state
    coach = await repo.person_by_id(t.s, cb.coach_id)
    assert coach is not None
    enrolment = await repo.request_enrolment(t.s, t.person.id, program.id, t.today.year, coach.id, t.now)
    if enrolment.status is not EnrolmentStatus.REQUESTED or enrolment.coach_id != coach.id:
        t.say(f"pairing.already_{enrolment.status.value}", program=Msg(program.title))
        return state
    t.say("pairing.requested", program=Msg(program.title), coach=coach.nama)
    t.notify(coach, request_message(t, enrolment, t.person))
    return state


def request_message(t: Turn, enrolment: EnrolmentRecord, coachee: Person) -> Reply:
    program = t.specs.programs[enrolment.program]
    return Reply((Msg("pairing.request_to_coach", {
        "name": coachee.nama, "nip": coachee.nip, "jabatan": coachee.jabatan or "-",
        "unit": coachee.unit_name, "program": Msg(program.title),
    }),), ((Button(Msg("button.approve"), pack(EnrolAction(enrolment.id, "ok"))),
            Button(Msg("button.decline"), pack(EnrolAction(enrolment.id, "no")))),))


async def pressed(t: Turn, state: State, cb: EnrolAction) -> State:
    enrolment = await repo.enrolment_for_update(t.s, cb.enrolment_id)
    program = t.specs.programs.get(enrolment.program) if enrolment else None
    mine = enrolment is not None and (
        enrolment.employee_id == t.person.id if cb.action == "wd" else enrolment.coach_id == t.person.id)
    if enrolment is None or program is None or not mine:
        t.say("error.stale_button")
        return state
    if cb.action == "nx":
        t.say("review.nothing_to_cancel")
        return state
    if cb.action == "v" and enrolment.status is EnrolmentStatus.REQUESTED:
        coachee = await repo.person_by_id(t.s, enrolment.employee_id)
        if coachee is not None:
            t.reply(request_message(t, enrolment, coachee))
            return state
    action = {"ok": "approve", "no": "decline", "wd": "withdraw"}.get(cb.action, "")
    if move(ENROLMENT_MOVES, enrolment.status, action) is None:
        t.say(f"pairing.already_{enrolment.status.value}", program=Msg(program.title))
        return state
    other_id = enrolment.coach_id if cb.action == "wd" else enrolment.employee_id
    other = await repo.person_by_id(t.s, other_id) if other_id is not None else None
    if action == "withdraw":
        await repo.set_enrolment_status(t.s, enrolment.id, EnrolmentStatus.WITHDRAWN, t.now)
        t.say("pairing.withdrawn", program=Msg(program.title))
        if other is not None:
            t.notify(other, Reply((Msg("pairing.withdrawn_coach", {"name": t.person.nama,
                                                                     "program": Msg(program.title)}),)))
        return state
    if action == "approve":
        await repo.set_enrolment_status(t.s, enrolment.id, EnrolmentStatus.ACTIVE, t.now)
        name = other.nama if other else "-"
        t.say("pairing.approved", name=name, program=Msg(program.title))
        if other is not None:
            t.notify(other, Reply((Msg("pairing.approved_coachee", {"coach": t.person.nama,
                                                                      "program": Msg(program.title)}),)))
        return state
    step = conversation.ask_review_comment(enrolment.id, t.form_to_resume(state), kind="decline")
    t.reply(*step.replies)
    asking: State = step.state
    return asking


async def decline(t: Turn, state: State, cmd: DeclineRequest) -> State:
    enrolment = await repo.enrolment_for_update(t.s, cmd.enrolment_id)
    program = t.specs.programs.get(enrolment.program) if enrolment else None
    if enrolment is None or program is None or enrolment.coach_id != t.person.id \
            or move(ENROLMENT_MOVES, enrolment.status, "decline") is None:
        t.say("review.already_decided_plain")
    else:
        await repo.set_enrolment_status(t.s, enrolment.id, EnrolmentStatus.DECLINED, t.now, cmd.reason)
        coachee = await repo.person_by_id(t.s, enrolment.employee_id)
        t.say("pairing.declined", name=coachee.nama if coachee else "-", program=Msg(program.title))
        if coachee is not None:
            t.notify(coachee, Reply((Msg("pairing.declined_coachee", {
                "coach": t.person.nama, "program": Msg(program.title), "reason": cmd.reason}),)))
    return t.back_to_form(state)
