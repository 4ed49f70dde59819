"""/ingatkan: a PIC, koordinator or pembina reminds the people of their
scope who have not completed a stage (K §5–6: the PIC "reminds employees
who have not filled forms"), after seeing how many that is; /ingatkan
status tells how today's reminders went. The scope is checked on the
server, again when the confirmation is pressed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.handlers.monitoring import admin_scope, monitored_program, named_stage, scope_name
from bot.reminding import QUIET
from bot.turn import Turn
from flows.access import Scope
from flows.callbacks import ConfirmRemind, pack
from flows.conversation import State
from flows.messages import Button, Msg, Reply, reply_to_json
from flows.program import closes_on, coachee_turn, cycles
from flows.program_spec import Activity, ProgramSpec
from flows.recap import stage_label
from flows.reminders import Person
from storage import repo
from storage.repo import Contact
from storage.repo.outbox import Queued

KIND = "ingatkan"


@dataclass(frozen=True, slots=True)
class Plan:
    pending: int  # in scope and not done with the stage
    total: int  # in scope
    targets: list[Contact]  # of the pending, those whose turn it is to fill

    @property
    def unreachable(self) -> int:
        return sum(not c.reachable for c in self.targets)


async def remind(t: Turn, state: State, args: str) -> State:
    scope = admin_scope(t)
    if scope is not None and args.strip().lower() == "status":
        await _status(t, scope)
    elif scope is not None:
        await _preview(t, scope, args.strip())
    return state


async def confirm_pressed(t: Turn, state: State, cb: ConfirmRemind) -> State:
    scope = admin_scope(t)
    if scope is None:
        return state
    program = monitored_program(t)
    stage = program.find(cb.activity) if cb.program == program.id else None
    if stage is None or stage not in program.stages or cb.cycle not in cycles(program, t.today):
        t.say("error.stale_button")
        return state
    plan = await _plan(t, scope, program, stage, cb.cycle)
    rows = [_reminder(t, program, stage, cb.cycle, c) for c in plan.targets]
    queued = await repo.outbox.enqueue(t.s, rows, t.now)
    detail = f"{program.id} {stage.id} {queued}/{len(rows)}"
    await repo.audit.record(t.s, t.person.id, "ingatkan", scope, detail, t.now)
    t.say("ingatkan.queued", queued=queued, already=len(rows) - queued)
    return state


async def _preview(t: Turn, scope: Scope, typed: str) -> None:
    program = monitored_program(t)
    stage = named_stage(t, program, typed)
    if stage is None:
        names = ", ".join(t.text(stage_label(s)) for s in program.stages)
        t.say("ingatkan.unknown_stage", stage=typed, stages=names)
        return
    cycle = t.today.year  # as /belum_isi counts
    plan = await _plan(t, scope, program, stage, cycle)
    where = await scope_name(t, scope)
    lines = (
        Msg("ingatkan.header", {"stage": stage_label(stage), "year": cycle, "scope": where}),
        Msg("ingatkan.counts", {"pending": plan.pending, "total": plan.total, "count": len(plan.targets),
                                "unreachable": plan.unreachable}),
    )
    if not plan.targets:
        t.reply(Reply((*lines, Msg("ingatkan.nobody"))))
        return
    button = Button(Msg("ingatkan.send", {"count": len(plan.targets)}),
                    pack(ConfirmRemind(program.id, stage.id, cycle)))
    t.reply(Reply((*lines, Msg("ingatkan.confirm")), ((button,),)))


async def _plan(t: Turn, scope: Scope, program: ProgramSpec, stage: Activity, cycle: int) -> Plan:
    parts = [a.id for a in program.activities if a.part_of == stage.id]
    rows, total = await repo.not_completed(t.s, scope, program.id, stage.id, cycle, parts)
    reach = await repo.contacts(t.s, scope)
    flag = program.enrolment.flag
    # Their turn: not waiting for the coach, and a stage the coachee fills.
    targets = [reach[r.employee_id] for r in rows if coachee_turn(stage, r.status) and r.employee_id in reach
               and (flag is None or flag in reach[r.employee_id].flags)]
    return Plan(len(rows), total, targets)


def _reminder(t: Turn, program: ProgramSpec, stage: Activity, cycle: int, to: Contact) -> Queued:
    """One person's reminder, at the next moment out of quiet hours in their
    zone; its key holds the day it reaches them, so one a day at most."""
    zone = Person(to.employee_id, timezone=to.timezone, unit_timezone=to.unit_timezone) \
        .zone(t.app.default_timezone)
    at = QUIET.not_before(t.now, zone)
    day = at.astimezone(zone).date()
    closes = closes_on(stage, cycle)
    key = "ingatkan.message_no_deadline" if closes is None else \
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
