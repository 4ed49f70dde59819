"""/ekspor [program] [csv]: the seed's status sheet of the caller's scope as
a file (K:1348-1353) with each person's JP, a summary per unit and /jpl's
table. The scope is checked here, on the server; statuses and counts only."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from bot.handlers.monitoring import (
    admin_scope,
    monitored_program,
    named_program,
    recap_rows_for,
    scope_name,
    unknown_program,
)
from bot.sheets import Sheet, csv_file, status_csv, status_xlsx
from bot.turn import Turn
from flows.access import Scope
from flows.conversation import State
from flows.documents import ROMAN, quarter_span, quarters_so_far
from flows.messages import Document, Msg, Reply
from flows.program_spec import ProgramSpec
from flows.recap import Tally, jp_figures, ranked, tally, year_typed
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
    name = await scope_name(t, scope)
    sheet = await build_sheet(t, scope, program, name)
    # Built beside the event loop: a large workbook takes seconds, and others are answered meanwhile.
    content = await asyncio.to_thread(status_csv if fmt == "csv" else status_xlsx, sheet, t.text)
    filename = f"rekap-{program.id}-{_slug(t.text(name))}-{t.today.isoformat()}.{fmt}"
    await repo.audit.record(t.s, t.person.id, "ekspor", scope, f"{program.id} {fmt}", t.now)
    t.reply(Reply((Msg(f"recap.export_ready_{fmt}", {
        "program": Msg(program.title), "scope": name, "year": t.today.year, "people": sheet.total.total,
        "whole": sheet.total.whole_cycle, "share": f"{sheet.total.share(sheet.total.whole_cycle):.0%}",
    }),), document=Document(filename, content)))
    return state


async def jp_recap(t: Turn, state: State, args: str) -> State:
    """/jpl [tahun]: per unit, the share who completed every stage
    ("Persentase Pengisian", K:1898-1902) and the JP of the year; for the
    pembina the unit utama ranked by it (K:1291, who is disciplined)."""
    scope = admin_scope(t)
    if scope is None:
        return state
    year = year_typed(args, t.today.year)
    if year is None:
        t.say("recap.jp_usage", year=t.today.year)
        return state
    program = monitored_program(t)
    rows = await recap_rows_for(t, scope, program, year)
    by_rank = scope.kind == "instansi"  # the pembina's unit utama, ranked (K:1291)
    units, total = tally(program, rows, by_unit_utama=by_rank)
    units = ranked(units) if by_rank else units
    jp = await repo.jp_totals(t.s, scope, year)
    lines = [Msg("recap.jp_header", {"program": Msg(program.title), "scope": await scope_name(t, scope),
                                     "year": year}),
             *(_jp_line(u, jp, n if by_rank else None) for n, u in enumerate(units, 1))]
    if len(units) != 1:  # one unit's line is the total already
        lines.append(_jp_line(replace(total, unit=t.text(Msg("recap.total"))), jp, None))
    lines += [*await _certified(t, scope, year), Msg("recap.jp_more")]
    await repo.audit.record(t.s, t.person.id, "jpl", scope, f"{program.id} {year}", t.now)
    t.reply(Reply(tuple(lines)))
    return state


async def _certified(t: Turn, scope: Scope, year: int) -> list[Msg]:
    """The Profesi/Talenta quarterly data (K:1582): for each program that
    gives a certificate, per quarter of the year so far, how many completed
    it and how many got their certificate."""
    programs = [(p, p.certificate) for p in t.specs.programs.values() if p.certificate]
    if not programs:
        return []
    quarters = quarters_so_far(year, t.today)
    lines = [Msg("recap.certified_header", {"year": year})]
    for program, cert in programs:
        counts = await repo.completed_and_certified(t.s, scope, program.id, cert.after, "certificate_coachee",
                                                    [quarter_span(year, q) for q in quarters], t.zone)
        parts = [t.text(Msg("recap.certified_quarter", {"roman": ROMAN[q - 1], "done": done,
                                                         "certified": certified}))
                 for q, (done, certified) in zip(quarters, counts, strict=True)]
        lines.append(Msg("recap.certified_line", {"program": Msg(program.title),
                                                  "quarters": " · ".join(parts)}))
    return lines


def _jp_line(u: Tally, jp: Mapping[int, Decimal], rank: int | None) -> Msg:
    figures = jp_figures(u, jp)
    params = {"unit": u.unit, "share": f"{u.share(u.whole_cycle):.0%}", "whole": u.whole_cycle,
              "total": u.total, "jp": figures.average, "reached": figures.reached}
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
    zone = t.now.astimezone(t.zone).tzname()  # WIB, WITA, WIT: the times are read in the instansi's zone
    header = [t.text(Msg(f"audit.col_{c}", {"zone": zone})) for c in ("at", "nip", "nama", "action", "scope",
                                                                         "detail")]
    body = [[f"{e.at.astimezone(t.zone):%Y-%m-%d %H:%M}", e.nip, e.nama, e.action,
             e.scope, e.detail] for e in entries]
    await repo.audit.record(t.s, t.person.id, "audit", Scope("instansi", None), since.isoformat(), t.now)
    file = Document(f"audit-{since.isoformat()}-{t.today.isoformat()}.csv", csv_file(header, body))
    t.reply(Reply((Msg("audit.ready", {"count": len(entries), "since": since}),), document=file))
    return state


def _program(t: Turn, typed: str) -> ProgramSpec | None:
    """The program typed, or the one monitored by default; None (and says so) if no program fits."""
    program = named_program(t, typed) if typed else monitored_program(t)
    if program is None:
        t.reply(Reply((unknown_program(t, typed),)))
    return program


async def build_sheet(t: Turn, scope: Scope, program: ProgramSpec, name: Msg) -> Sheet:
    year = t.today.year
    rows = await recap_rows_for(t, scope, program)
    units, total = tally(program, rows)
    by_rank = scope.kind == "instansi"  # the JPL sheet as /jpl lists it
    jp_units = ranked(tally(program, rows, by_unit_utama=True)[0]) if by_rank else units
    title = Msg("recap.title_line", {"program": Msg(program.title), "scope": name, "year": year})
    jp = await repo.jp_totals(t.s, scope, year)
    return Sheet(program, title, rows, units, total, jp, jp_units, by_rank)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "scope"
