"""/ekspor [program] [csv]: the seed's status sheet of the caller's scope as
a file (K:1348-1353), with a summary per unit and each person's JP. The
scope is checked here, on the server; statuses and counts only."""

from __future__ import annotations

import re

from bot.handlers.monitoring import monitored_program, named_program, scope_name
from bot.sheets import Sheet, status_csv, status_xlsx
from bot.turn import Turn
from flows.access import Scope, monitoring_scope
from flows.conversation import State
from flows.messages import Document, Msg, Reply
from flows.program_spec import ProgramSpec
from flows.recap import tally
from flows.workflow import LIVE_ENROLMENTS
from storage import repo

FORMATS = ("xlsx", "csv")


async def export(t: Turn, state: State, args: str) -> State:
    scope = monitoring_scope(t.person.roles, t.person.unit_id, t.person.unit_utama_id)
    if scope is None:
        t.say("monitor.not_allowed")
        return state
    words = args.split()
    fmt = next((w.lower() for w in words if w.lower() in FORMATS), "xlsx")
    typed = " ".join(w for w in words if w.lower() not in FORMATS)
    program = named_program(t, typed) if typed else monitored_program(t)
    if program is None:
        t.say("recap.unknown_program", program=typed, known=", ".join(
            t.text(Msg(p.title)) for p in t.specs.programs.values()))
        return state
    sheet = await build_sheet(t, scope, program)
    content = status_csv(sheet, t.text) if fmt == "csv" else status_xlsx(sheet, t.text)
    name = await scope_name(t, scope)
    filename = f"rekap-{program.id}-{_slug(t.text(name))}-{t.today.isoformat()}.{fmt}"
    await repo.audit.record(t.s, t.person.id, "ekspor", scope, f"{program.id} {fmt}", t.now)
    t.reply(Reply((Msg("recap.export_ready", {
        "program": Msg(program.title), "scope": name, "year": t.today.year, "people": sheet.total.total,
        "whole": sheet.total.whole_cycle, "share": f"{sheet.total.share(sheet.total.whole_cycle):.0%}",
    }),), document=Document(filename, content)))
    return state


async def build_sheet(t: Turn, scope: Scope, program: ProgramSpec) -> Sheet:
    year = t.today.year
    rule = program.enrolment
    rows = await repo.recap_rows(t.s, scope, program.id, year, everyone=rule.mode == "automatic",
                                 flag=rule.flag, live=[s.value for s in LIVE_ENROLMENTS])
    units, total = tally(program, rows)
    title = Msg("recap.title_line", {"program": Msg(program.title), "scope": await scope_name(t, scope),
                                     "year": year})
    jp = await repo.jp_totals(t.s, [r.employee_id for r in rows], year)
    return Sheet(program, title, rows, units, total, jp)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "scope"
