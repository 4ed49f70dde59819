"""/ingatkan [program] [tahap]: a PIC, koordinator or pembina reminds the
people of their scope who take part in a program and have not completed a
stage (K §5–6: the PIC "reminds employees who have not filled forms"),
after seeing how many that is; /ingatkan status tells how today's
reminders went. The scope and who takes part are checked on the server,
again when the confirmation is pressed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.handlers.monitoring import (
    admin_scope,
    named_stage,
    not_completed_in,
    program_and_rest,
    recap_rows_for,
    scope_name,
    unknown_program,
)
from bot.reminding import QUIET
from bot.turn import Turn
from flows.access import Scope
from flows.callbacks import ConfirmRemind, pack
from flows.conversation import State
from flows.messages import Button, Msg, Reply, reply_to_json
from flows.program import closes_on, coachee_turn, cycles, opened
from flows.program_spec import Activity, ProgramSpec
from flows.recap import stage_label
from flows.reminders import Person
from storage import repo
from storage.repo import Contact
from storage.repo.outbox import Queued

KIND = "ingatkan"


@dataclass(frozen=True, slots=True)
class Plan:
    pending: int  # taking part, in scope, and not done with the stage
    total: int  # taking part, in scope
    targets: list[Contact]  # of the pending, those whose turn it is to fill

    @property
    def unreachable(self) -> int:
        return sum(not c.reachable for c in self.targets)


async def remind(t: Turn, state: State, args: str) -> State:
    """/ingatkan [program] [tahap], read as /belum_isi reads it; /ingatkan status."""
    scope = admin_scope(t)
    if scope is not None and args.strip().lower() == "status":
        await _status(t, scope)
    elif scope is not None:
        await _preview(t, scope, args.strip())
    return state


async def confirm_pressed(t: Turn, state: State, cb: ConfirmRemind) -> State:
    """The button carries no scope and proves nothing: the caller's own scope,
    and who in it takes part in the program, are worked out again now."""
    scope = admin_scope(t)
    if scope is None:
        return state
    program = t.specs.programs.get(cb.program)
    stage = program.find(cb.activity) if program else None
    # A stage that is part of another (the coach's evaluation) is reminded with it, never alone.
    if program is None or stage not in program.stages or cb.cycle not in cycles(program, t.today):
        t.say("error.stale_button")
        return state
    plan = await _plan(t, scope, program, stage, cb.cycle)
    rows = [_reminder(t, program, stage, cb.cycle, c) for c in plan.targets]
    queued = await repo.outbox.enqueue(t.s, rows, t.now)
    detail = f"{program.id} {stage.id} {queued}/{len(rows)}"
    await repo.audit.record(t.s, t.person.id, "ingatkan", scope, detail, t.now)
    t.say("ingatkan.queued", program=Msg(program.title), stage=stage_label(stage), queued=queued,
          already=len(rows) - queued)
    return state


async def _preview(t: Turn, scope: Scope, typed: str) -> None:
    program, stage_typed = program_and_rest(t, typed)
    stage = named_stage(t, program, stage_typed)
    if stage is None:
        _unknown(t, program, stage_typed, program_named=stage_typed != typed)
        return
    cycle = t.today.year  # as /belum_isi counts
    plan = await _plan(t, scope, program, stage, cycle)
    about = {"program": Msg(program.title), "stage": stage_label(stage), "year": cycle,
             "scope": await scope_name(t, scope)}
    lines = (
        Msg("ingatkan.header", about),
        Msg("ingatkan.counts", {"pending": plan.pending, "total": plan.total, "count": len(plan.targets),
                                "unreachable": plan.unreachable}),
    )
    if not plan.targets:
        t.reply(Reply((*lines, Msg("ingatkan.nobody"))))
        return
    button = Button(Msg("ingatkan.send", {"count": len(plan.targets)}),
                    pack(ConfirmRemind(program.id, stage.id, cycle)))
    t.reply(Reply((*lines, Msg("ingatkan.confirm")), ((button,),)))


def _unknown(t: Turn, program: ProgramSpec, typed: str, program_named: bool) -> None:
    """The program's stages; and when no program was named, the programs
    too, since the first word typed may have been meant as one."""
    stages = ", ".join(t.text(stage_label(s)) for s in program.stages)
    lines = [Msg("ingatkan.unknown_stage", {"stage": typed, "program": Msg(program.title), "stages": stages})]
    if not program_named:
        lines.append(unknown_program(t, typed.partition(" ")[0]))
    t.reply(Reply(tuple(lines)))


async def _plan(t: Turn, scope: Scope, program: ProgramSpec, stage: Activity, cycle: int) -> Plan:
    rows, total = await not_completed_in(t, scope, program, stage, cycle)
    reach = await repo.contacts(t.s, scope)
    # A step of a sequence opens once the steps before it are complete; nothing
    # else that opens a stage depends on the person's other forms.
    forms = {r.employee_id: r.forms for r in await recap_rows_for(t, scope, program, cycle)} \
        if stage.schedule.kind == "sequence" else {}
    # Their turn: not waiting for the coach, a stage the coachee fills, and open to them.
    targets = [reach[r.employee_id] for r in rows if r.employee_id in reach and coachee_turn(stage, r.status)
               and opened(program, stage, forms.get(r.employee_id, {}), cycle, t.today)]
    return Plan(len(rows), total, targets)


def _reminder(t: Turn, program: ProgramSpec, stage: Activity, cycle: int, to: Contact) -> Queued:
    """One person's reminder, at the next moment out of quiet hours in their
    zone; its key holds the day it reaches them, so one a day at most."""
    zone = Person(to.employee_id, timezone=to.timezone, unit_timezone=to.unit_timezone) \
        .zone(t.app.default_timezone)
    at = QUIET.not_before(t.now, zone)
    day = at.astimezone(zone).date()
    closes = closes_on(stage, cycle)
    # A log is never "completed": what is missing is a confirmed entry of the year.
    key = "ingatkan.message_log" if stage.schedule.kind == "log" else \
        "ingatkan.message_no_deadline" if closes is None else \
        "ingatkan.message_closed" if day > closes else "ingatkan.message"
    msg = Msg(key, {"name": t.person.nama, "stage": Msg(stage.title), "program": Msg(program.title),
                    "closes": closes})
    subject = f"{stage.id}@{cycle}"
    return Queued(f"{to.employee_id}:{KIND}:{program.id}:{subject}:{day.isoformat()}", to.employee_id, KIND,
                  reply_to_json(Reply((msg,))), at, program.id, stage.id, subject)


async def _status(t: Turn, scope: Scope) -> None:
    start = datetime.combine(t.today, time(0), t.zone)
    tally = await repo.outbox_tally(t.s, scope, KIND, start, start + timedelta(days=1))
    t.say("ingatkan.status", day=t.today, scope=await scope_name(t, scope), queued=tally.queued,
          delivered=tally.delivered, unreachable=tally.unreachable, dropped=tally.dropped)
