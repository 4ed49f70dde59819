"""/ekspor [program] [csv]: the seed's status sheet of the caller's scope as
a file (K:1348-1353), with a summary per unit and each person's JP.
/rekap [program] [tahap]: per unit, how many are done with a stage, waiting
for the coach, in a draft, or not begun, as text and as a chart (K:1883-1890).
The scope is checked here, on the server; statuses and counts only."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from bot.charts import stage_chart
from bot.handlers.monitoring import (
    admin_scope,
    monitored_program,
    named_program,
    named_stage,
    program_and_rest,
    recap_rows_for,
    scope_name,
    unknown_program,
)
from bot.handlers.reports import send_button
from bot.sheets import Sheet, csv_file, status_csv, status_xlsx
from bot.turn import Turn
from flows.access import Scope
from flows.conversation import State
from flows.messages import Document, Msg, Reply
from flows.program import JP_RIGHT_PER_YEAR
from flows.program_spec import Activity, ProgramSpec
from flows.recap import StageCount, Tally, stage_counts, stage_label, tally
from storage import repo

FORMATS = ("xlsx", "csv")


async def export(t: Turn, state: State, args: str) -> State:
    scope = admin_scope(t)
    if scope is None:
        return state
    words = args.split()
    fmt = next((w.lower() for w in words if w.lower() in FORMATS), "xlsx")
    program = _program(t, " ".join(w for w in words if w.lower() not in FORMATS))
    if program is None:
        return state
    sheet = await build_sheet(t, scope, program)
    # Built beside the event loop: a large workbook takes seconds, and others are answered meanwhile.
    content = await asyncio.to_thread(status_csv if fmt == "csv" else status_xlsx, sheet, t.text)
    name = await scope_name(t, scope)
    filename = f"rekap-{program.id}-{_slug(t.text(name))}-{t.today.isoformat()}.{fmt}"
    await repo.audit.record(t.s, t.person.id, "ekspor", scope, f"{program.id} {fmt}", t.now)
    t.reply(Reply((Msg("recap.export_ready", {
        "program": Msg(program.title), "scope": name, "year": t.today.year, "people": sheet.total.total,
        "whole": sheet.total.whole_cycle, "share": f"{sheet.total.share(sheet.total.whole_cycle):.0%}",
    }),), document=Document(filename, content)))
    return state


async def recap(t: Turn, state: State, args: str) -> State:
    scope = admin_scope(t)
    if scope is None:
        return state
    program, stage_typed = program_and_rest(t, args)
    stage = named_stage(t, program, stage_typed)
    if stage is None:
        names = ", ".join(_label(t, s) for s in program.stages)
        t.say("recap.unknown_stage", stage=stage_typed, stages=names)
        return state
    year = t.today.year
    rows = await recap_rows_for(t, scope, program)
    units, total = stage_counts(program, stage, rows, by_unit_utama=scope.kind == "instansi")
    where = await scope_name(t, scope)
    about = {"stage": _label(t, stage), "program": Msg(program.title), "scope": where, "year": year}
    lines = [Msg("recap.header", about), *(_count_line(c) for c in units)]
    if len(units) > 1 or not units:
        lines.append(_count_line(StageCount(t.text(Msg("recap.total")), total.counts)))
    chart = await asyncio.to_thread(stage_chart, t.text(Msg("recap.chart_title", about)), units, t.text) \
        if units else None
    await repo.audit.record(t.s, t.person.id, "rekap", scope, f"{program.id} {stage.id}", t.now)
    # A koordinator reports the quarter's recap to the pembina (K:1316).
    buttons = ((send_button(program.id, stage.id),),) if scope.kind == "unit_utama" else ()
    t.reply(Reply(tuple(lines), buttons, document=Document(f"rekap-{program.id}-{stage.id}.png", chart,
                                                           image=True) if chart else None))
    return state


async def jp_recap(t: Turn, state: State, args: str) -> State:
    """/jpl [tahun]: per unit, the share who completed every stage
    ("Persentase Pengisian", K:1898-1902) and the JP of the year; for the
    pembina the unit utama ranked by it (K:1291, who is disciplined)."""
    scope = admin_scope(t)
    if scope is None:
        return state
    typed = args.strip()
    if typed and not (typed.isdigit() and 2000 <= int(typed) <= t.today.year):
        t.say("recap.jp_usage", year=t.today.year)
        return state
    year = int(typed) if typed else t.today.year
    program = monitored_program(t)
    rows = await recap_rows_for(t, scope, program, year)
    ranked = scope.kind == "instansi"
    units, total = tally(program, rows, by_unit_utama=ranked)
    jp = await repo.jp_totals(t.s, [r.employee_id for r in rows], year)
    if ranked:
        units.sort(key=lambda u: (-u.share(u.whole_cycle), u.unit))
    lines = [Msg("recap.jp_header", {"program": Msg(program.title), "scope": await scope_name(t, scope),
                                     "year": year}),
             *(_jp_line(u, jp, n if ranked else None) for n, u in enumerate(units, 1))]
    if len(units) != 1:  # one unit's line is the total already
        lines.append(_jp_line(replace(total, unit=t.text(Msg("recap.total"))), jp, None))
    lines.append(Msg("recap.jp_more"))
    await repo.audit.record(t.s, t.person.id, "jpl", scope, f"{program.id} {year}", t.now)
    t.reply(Reply(tuple(lines)))
    return state


def _jp_line(u: Tally, jp: Mapping[int, Decimal], rank: int | None) -> Msg:
    amounts = [jp.get(i, Decimal(0)) for i in u.members]
    params = {"unit": u.unit, "share": f"{u.share(u.whole_cycle):.0%}", "whole": u.whole_cycle,
              "total": u.total, "jp": f"{sum(amounts, Decimal(0)) / len(amounts):.1f}" if amounts else "0",
              "reached": sum(a >= JP_RIGHT_PER_YEAR for a in amounts)}
    return Msg("recap.jp_line_ranked", {**params, "rank": rank}) if rank else Msg("recap.jp_line", params)


async def audit_log(t: Turn, state: State, args: str) -> State:
    """/audit [YYYY-MM-DD]: the pembina's copy of the audit log as CSV, from
    the day given (30 days back by default)."""
    if "pembina" not in t.person.roles:
        t.say("audit.not_allowed")
        return state
    try:
        since = date.fromisoformat(args.strip()) if args.strip() else t.today - timedelta(days=30)
    except ValueError:
        t.say("audit.usage", example=(t.today - timedelta(days=7)).isoformat())
        return state
    entries = await repo.audit.since(t.s, datetime.combine(since, time(0), t.zone))
    header = [t.text(Msg(f"audit.col_{c}")) for c in ("at", "nip", "nama", "action", "scope", "detail")]
    body = [[f"{e.at.astimezone(t.zone):%Y-%m-%d %H:%M}", e.nip, e.nama, e.action,
             e.scope_kind + (f" {e.scope_unit}" if e.scope_unit else ""), e.detail] for e in entries]
    await repo.audit.record(t.s, t.person.id, "audit", Scope("instansi", None), since.isoformat(), t.now)
    file = Document(f"audit-{since.isoformat()}-{t.today.isoformat()}.csv", csv_file(header, body))
    t.reply(Reply((Msg("audit.ready", {"count": len(entries), "since": since}),), document=file))
    return state


def _count_line(c: StageCount) -> Msg:
    return Msg("recap.count_line", {"unit": c.unit, "total": c.total, **c.counts,
                                    "share": f"{c.share('selesai'):.0%}"})


def _label(t: Turn, stage: Activity) -> str:
    return t.text(stage_label(stage))


def _program(t: Turn, typed: str) -> ProgramSpec | None:
    """The program typed, or the one monitored by default; None (and says so) if no program fits."""
    program = named_program(t, typed) if typed else monitored_program(t)
    if program is None:
        t.reply(Reply((unknown_program(t, typed),)))
    return program


async def build_sheet(t: Turn, scope: Scope, program: ProgramSpec) -> Sheet:
    year = t.today.year
    rows = await recap_rows_for(t, scope, program)
    units, total = tally(program, rows)
    title = Msg("recap.title_line", {"program": Msg(program.title), "scope": await scope_name(t, scope),
                                     "year": year})
    jp = await repo.jp_totals(t.s, [r.employee_id for r in rows], year)
    return Sheet(program, title, rows, units, total, jp)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "scope"
