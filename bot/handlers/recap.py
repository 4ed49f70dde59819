"""/rekap [program] [tahap] [unit] [tahun]: per unit, how many are done with
a stage, waiting for the coach, in a draft, or not begun, as text and as a
chart (K:1883-1890); for one unit utama or unit kerja of the caller's scope
and for a cycle year, as the seed's monitoring sheets let the koordinator
and pembina choose them (K:1883-1905). The scope is checked here, on the
server; statuses, counts, and the averages of the stage's ratings over
enough respondents only."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.charts import stage_chart
from bot.handlers.averages import stage_averages
from bot.handlers.monitoring import (
    admin_scope,
    named_stage,
    program_and_rest,
    recap_rows_for,
    scope_name,
    unit_scope,
)
from bot.handlers.reports import send_button
from bot.turn import Turn
from flows.access import Scope, covers
from flows.callbacks import RecapUnit, pack
from flows.conversation import State
from flows.messages import Button, Document, Msg, Reply
from flows.program_spec import Activity, ProgramSpec
from flows.ratings import rating_line
from flows.recap import (
    FIRST_YEAR,
    StageCount,
    named_units,
    readings,
    stage_counts,
    stage_label,
    year_and_rest,
)
from storage import repo
from storage.repo import UnitRef

CHOICES = 8  # units named when the one typed is unknown, fits several, or is out of scope
# Telegram refuses a keyboard of more than 100 buttons; the units beyond these are typed by name.
UNIT_BUTTONS = 90


async def recap(t: Turn, state: State, args: str) -> State:
    own = admin_scope(t)
    if own is None:
        return state
    program, rest = program_and_rest(t, args)
    read = year_and_rest(rest.split(), t.today.year)
    if read is None:
        t.say("recap.year_usage", first=FIRST_YEAR, year=t.today.year)
        return state
    year, words = read
    found = await _stage_and_unit(t, own, program, words)
    if found is not None:
        await _open(t, own, program, found[0], found[1], year)
    return state


async def unit_pressed(t: Turn, state: State, cb: RecapUnit) -> State:
    own = admin_scope(t)
    if own is None:
        return state
    program = t.specs.programs.get(cb.program)
    stage = program.find(cb.stage) if program else None
    if program is None or stage is None or stage not in program.stages \
            or not FIRST_YEAR <= cb.year <= t.today.year:
        t.say("error.stale_button")
        return state
    await _open(t, own, program, stage, cb.unit, cb.year)
    return state


async def _open(t: Turn, own: Scope, program: ProgramSpec, stage: Activity, unit: int, year: int) -> None:
    """The recap of a unit (0: the caller's whole scope), once the server
    has checked the unit is within the caller's scope."""
    scope = await unit_scope(t, unit)
    if scope is not None:
        await _show(t, own, scope, program, stage, year)
        return
    everything = await repo.units(t.s)
    name = next((u.name for u in everything if u.id == unit), None)
    if name is None:  # a unit gone since the button was made, or one made up
        t.say("error.stale_button")
        return
    t.say("recap.out_of_scope", unit=name, scope=await scope_name(t, own),
          units=_listed(_mine(own, everything), {u.id: u for u in everything}))


async def _show(t: Turn, own: Scope, scope: Scope, program: ProgramSpec, stage: Activity, year: int) -> None:
    rows = await recap_rows_for(t, scope, program, year)
    by_unit_utama = scope.kind == "instansi"
    units, total = stage_counts(program, stage, rows, by_unit_utama=by_unit_utama)
    rated, rated_total = await stage_averages(t, program, stage, scope, [c.unit_id for c in units], year,
                                              by_unit_utama)
    where = await scope_name(t, scope)
    about = {"stage": stage_label(stage), "program": Msg(program.title), "scope": where, "year": year}
    lines = [Msg("recap.header", about)]
    for c in units:
        lines += [_count_line(c), *(rating_line(program, a) for a in rated.get(c.unit_id, ()))]
    if len(units) > 1 or not units:
        lines += [_count_line(StageCount(t.text(Msg("recap.total")), total.counts)),
                  *(rating_line(program, a) for a in rated_total)]
    chart = await asyncio.to_thread(stage_chart, t.text(Msg("recap.chart_title", about)), units, t.text) \
        if units else None
    unit = f" unit={where.params['name']}" if scope != own else ""
    await repo.audit.record(t.s, t.person.id, "rekap", scope, f"{program.id} {stage.id} {year}{unit}", t.now)
    # Each line's unit opens its own recap; a unit kerja's has one line.
    opens = [Button(Msg("recap.unit_button", {"unit": c.unit}),
                    pack(RecapUnit(program.id, stage.id, c.unit_id, year)))
             for c in units[:UNIT_BUTTONS]] if scope.kind != "unit_kerja" else []
    buttons = [tuple(opens[i:i + 2]) for i in range(0, len(opens), 2)]
    # A koordinator reports the quarter's recap of their whole unit utama to the pembina (K:1316).
    if own.kind == "unit_utama" and scope == own and year == t.today.year:
        buttons.append((send_button(program.id, stage.id),))
    t.reply(Reply(tuple(lines), tuple(buttons), document=Document(f"rekap-{program.id}-{stage.id}.png", chart,
                                                                  image=True) if chart else None))


async def _stage_and_unit(t: Turn, own: Scope, program: ProgramSpec,
                          words: Sequence[str]) -> tuple[Activity, int] | None:
    """The stage and the unit (0: the whole scope) the words name, the
    stage first or last; None, and says why, when they name neither, or a
    unit that is unknown or that several fit."""
    stage = named_stage(t, program, " ".join(words))
    if stage is not None:  # all of them a stage (none: the current one): no unit is looked for
        return stage, 0
    everything = await repo.units(t.s)
    by_id = {u.id: u for u in everything}
    # A unit kerja is also known with its unit utama's name after its own, for names several share.
    names = {u.id: (u.name, f"{u.name} {by_id[u.parent_id].name}") if u.parent_id in by_id else (u.name,)
             for u in everything}
    unresolved: tuple[str, str, list[int]] | None = None
    for stage_words, unit_words in readings(words):
        stage = named_stage(t, program, stage_words)
        if stage is None:
            continue
        fits = named_units(unit_words, names)
        within = [u for u in fits if covers(own, u, by_id[u].parent_id)]
        if len(fits) == 1 or len(within) == 1:
            return stage, (fits if len(fits) == 1 else within)[0]
        unresolved = unresolved or (stage_words, unit_words, fits)
    assert unresolved is not None  # the last reading, all the words a unit, has a stage: the current one
    stage_words, unit_words, fits = unresolved
    if fits:
        t.say("recap.ambiguous_unit", unit=unit_words, units=_listed([by_id[u] for u in fits], by_id))
    elif stage_words:
        t.say("recap.unknown_unit", unit=unit_words, units=_listed(_mine(own, everything), by_id))
    else:
        mine = _mine(own, everything)
        t.say("recap.unknown_words", typed=unit_words, units=_listed(mine, by_id),
              unit=mine[0].name if mine else "", year=t.today.year - 1,
              stages=", ".join(t.text(stage_label(s)) for s in program.stages))
    return None


def _mine(own: Scope, everything: Sequence[UnitRef]) -> list[UnitRef]:
    """The units of the caller's scope, unit utama first: what they may name."""
    return sorted((u for u in everything if covers(own, u.id, u.parent_id)),
                  key=lambda u: (u.parent_id is not None, u.name))


def _listed(units: Sequence[UnitRef], by_id: dict[int, UnitRef]) -> str:
    """A short list of units; a name several of them share is followed by its unit utama's."""
    names = [u.name for u in units]
    shown = [f"{u.name} ({by_id[u.parent_id].name})" if names.count(u.name) > 1 and u.parent_id in by_id
             else u.name for u in units[:CHOICES]]
    return ", ".join(shown + (["…"] if len(units) > CHOICES else []))


def _count_line(c: StageCount) -> Msg:
    return Msg("recap.count_line", {"unit": c.unit, "total": c.total, **c.counts,
                                    "share": f"{c.share('selesai'):.0%}"})
