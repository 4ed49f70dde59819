"""/sesi: a new entry in an open log (Langsa's coaching, mentoring and
belajar mandiri tables): choose the log, fill the entry, the coach or atasan
gives the paraf."""

from __future__ import annotations

from bot.handlers import forms
from bot.handlers.taking_part import taking_part
from bot.turn import Turn
from flows.callbacks import NewEntry, pack
from flows.conversation import State
from flows.form_engine import FormState
from flows.messages import Button, Msg, Reply


async def new_entry(t: Turn, state: State, args: str) -> State:
    if isinstance(state, FormState):
        return state  # one form at a time; the application says the open one waits
    logs = [(x.program, a) for x in await taking_part(t, t.person) if x.cycle == t.today.year
            for a in x.program.activities if a.schedule.kind == "log" and a.filled_by != "coach"]
    if not logs:
        t.say("sesi.no_logs")
        return state
    if len(logs) == 1:
        program, activity = logs[0]
        return await entry_pressed(t, state, NewEntry(program.id, activity.id))
    rows = tuple((Button(Msg("fill.pick_button", {"program": Msg(p.title), "stage": Msg(a.title)}),
                         pack(NewEntry(p.id, a.id))),) for p, a in logs)
    t.reply(Reply((Msg("sesi.pick"),), rows))
    return state


async def entry_pressed(t: Turn, state: State, cb: NewEntry) -> State:
    program = t.specs.programs.get(cb.program)
    activity = program.find(cb.activity) if program else None
    year = t.today.year
    taking = next((x for x in await taking_part(t, t.person)
                   if program and x.program.id == program.id and x.cycle == year), None)
    if program is None or activity is None or taking is None or activity.schedule.kind != "log":
        t.say("error.stale_button")
        return state
    return await forms.open_entry(t, program, activity, year)
