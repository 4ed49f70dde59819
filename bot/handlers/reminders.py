"""A person's own reminders: the buttons under them (a shortcut to one of
their commands, "Ingatkan besok") and /pengingat, where the optional kinds
are turned off and on again. A PIC's /ingatkan is in handlers/ingatkan.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.handlers import documents, forms, monitoring, records, review
from bot.handlers.taking_part import taking_part
from bot.reminding import QUIET
from bot.turn import Turn
from flows.callbacks import Shortcut, Snooze, ToggleReminder, pack
from flows.conversation import State
from flows.form_engine import FormState
from flows.messages import Button, Msg, Reply
from flows.reminder_kinds import Choices, choices, rule_for, turned_off
from storage import repo
from storage.repo.outbox import Waiting

# The commands a reminder's button may run, as if the person typed them
# (each checks the person's rights itself).
SHORTCUTS: dict[str, Callable[[Turn, State, str], Awaitable[State]]] = {
    "tinjau": review.waiting, "belum_isi": monitoring.not_filled, "isi": forms.fill,
    "dokumen": documents.documents, "coachee": records.coachees,
}
SNOOZE_FOR = timedelta(hours=24)
SHOWN = 5  # waiting reminders listed in /pengingat


async def shortcut_pressed(t: Turn, state: State, cb: Shortcut) -> State:
    run = SHORTCUTS.get(cb.command)
    if run is None:
        t.say("error.stale_button")
        return state
    if cb.command == "isi" and isinstance(state, FormState):
        return state  # the open form is shown again after any button (bot.core)
    return await run(t, state, "")


async def snooze_pressed(t: Turn, state: State, cb: Snooze) -> State:
    until = QUIET.not_before(t.now + SNOOZE_FOR, t.zone)
    done = await repo.outbox.snooze(t.s, cb.outbox_id, t.person.id, until, t.now)
    if done is None:
        t.say("error.stale_button")
    elif done:
        t.say("snooze.done", **when(t, until))
    else:
        t.say("snooze.once")
    return state


async def reminders(t: Turn, state: State, args: str) -> State:
    await _show(t)
    return state


async def toggle_pressed(t: Turn, state: State, cb: ToggleReminder) -> State:
    offer = await _choices(t)
    if cb.kind not in offer.optional:
        # A mandatory program's stage reminders stay on (a hand-made payload, an old message).
        mandatory = cb.kind == "stage_window" and offer.always_on
        t.say("pengingat.always_on" if mandatory else "error.stale_button")
        return state
    muted = await repo.reminding.muted_of(t.s, t.person.id)
    await repo.reminding.set_muted(t.s, t.person.id, muted ^ {cb.kind})
    done = "pengingat.turned_on" if cb.kind in muted else "pengingat.turned_off"
    await _show(t, Msg(done, {"kind": kind_title(cb.kind)}))
    return state


async def _show(t: Turn, *first: Msg) -> None:
    muted = await repo.reminding.muted_of(t.s, t.person.id)
    offer = await _choices(t)
    waiting = [w for w in await repo.outbox.waiting_for(t.s, t.person.id) if not _silenced(t, w, muted)]
    lines = [*first, Msg("pengingat.title")]
    if waiting:
        lines.append(Msg("pengingat.waiting", {"count": len(waiting)}))
        lines.extend(Msg("pengingat.waiting_row", {"kind": kind_title(w.kind), **when(t, w.not_before)})
                     for w in waiting[:SHOWN])
    else:
        lines.append(Msg("pengingat.none_waiting"))
    lines.append(Msg("pengingat.kinds"))
    lines.extend(Msg("pengingat.always_on_row", {"kind": kind_title("stage_window"),
                                                 "program": Msg(t.specs.programs[p].title)})
                 for p in offer.always_on)
    lines.extend(Msg("pengingat.kind_row", {"kind": kind_title(k),
                                            "state": Msg("pengingat.off" if k in muted else "pengingat.on")})
                 for k in offer.optional)
    buttons = tuple((Button(Msg("pengingat.turn_on" if k in muted else "pengingat.turn_off",
                                {"kind": kind_title(k)}), pack(ToggleReminder(k))),) for k in offer.optional)
    t.reply(Reply(tuple(lines), buttons))


async def _choices(t: Turn) -> Choices:
    taking = list({x.program.id: x.program for x in await taking_part(t, t.person)}.values())
    coach = bool(await repo.coachees_of(t.s, t.person.id))
    return choices(taking, t.specs.programs.values(), coach=coach, roles=t.person.roles)


def _silenced(t: Turn, w: Waiting, muted: frozenset[str]) -> bool:
    """A waiting reminder of a kind turned off: the sender will drop it."""
    program = t.specs.programs.get(w.program) if w.program else None
    return program is not None and turned_off(w.kind, muted, rule_for(program, w.kind, w.activity))


def kind_title(kind: str) -> Msg:
    return Msg(f"reminder_kind.{kind.split('.')[0]}")


def when(t: Turn, moment: datetime) -> dict[str, object]:
    """A moment as the person reads it: their day and time."""
    local = moment.astimezone(t.zone)
    return {"day": local.date(), "at": f"{local:%H:%M}"}
