"""/belum_isi: who in the caller's scope has not completed a stage. Status
only, never answers; the scope is checked here, on the server."""

from __future__ import annotations

from bot.i18n import LANGUAGES
from bot.turn import Turn
from flows.access import Scope, monitoring_scope
from flows.callbacks import NotFilledPage, pack
from flows.conversation import State
from flows.messages import Button, Msg, Reply
from flows.program import current_stage, find_stage
from flows.spec import Activity, ProgramSpec
from flows.validators import plain
from storage import repo

PAGE_CHARS = 3500  # leaves room under Telegram's 4096 for header and footer
ROW_OVERHEAD = 75  # numbering, separators and the longest status label of a row
UNIT_OVERHEAD = 6  # the unit header's icon and line break


async def not_filled(t: Turn, state: State, args: str) -> State:
    await _page(t, args, 0)
    return state


async def page_pressed(t: Turn, state: State, cb: NotFilledPage) -> State:
    await _page(t, cb.stage, cb.page)
    return state


async def _page(t: Turn, stage_arg: str, page: int) -> None:
    scope = monitoring_scope(t.person.roles, t.person.unit_id, t.person.unit_utama_id)
    if scope is None:
        t.say("monitor.not_allowed")
        return
    program = monitored_program(t)
    stage = named_stage(t, program, stage_arg)
    if stage is None:
        t.reply(Reply((Msg("monitor.unknown_stage", {"stage": stage_arg}),), _stage_buttons(program, "")))
        return
    parts = [a.id for a in program.activities if a.part_of == stage.id]
    rows, total = await repo.not_completed(t.s, scope, program.id, stage.id, t.today.year, parts)
    await repo.audit.record(t.s, t.person.id, "belum_isi", scope, f"{program.id} {stage.id}", t.now)
    header = Msg("monitor.header", {
        "stage": Msg(stage.title), "year": t.today.year, "scope": await scope_name(t, scope),
    })
    count = Msg("monitor.count", {"pending": len(rows), "total": total})
    if not rows:
        t.reply(Reply((header, Msg("monitor.all_done", {"total": total})), _stage_buttons(program, stage.id)))
        return
    grouped = scope.kind != "unit_kerja"
    starts = _page_starts(rows, grouped)
    page = max(0, min(page, len(starts) - 1))
    end = starts[page + 1] if page + 1 < len(starts) else len(rows)
    body = _page_lines(rows[starts[page]:end], starts[page], grouped)
    footer = Msg("monitor.page", {"page": page + 1, "pages": len(starts)})
    nav: list[Button] = []
    if page > 0:
        nav.append(Button(Msg("button.prev"), pack(NotFilledPage(stage.id, page - 1))))
    if page + 1 < len(starts):
        nav.append(Button(Msg("button.next"), pack(NotFilledPage(stage.id, page + 1))))
    buttons = ((tuple(nav),) if nav else ()) + _stage_buttons(program, stage.id)
    t.reply(Reply((header, count, *body, footer), buttons))


def monitored_program(t: Turn) -> ProgramSpec:
    """One program is monitored until monitoring covers every program: the
    one everyone takes part in (Tetap), whatever the order of BINA_PROGRAMS."""
    programs = list(t.specs.programs.values())
    return next((p for p in programs if p.enrolment.mode == "automatic"), programs[0])


def named_program(t: Turn, typed: str) -> ProgramSpec | None:
    """The program typed (loosely: its id or title in either language, or a
    unique part of one: "tetap", "profesi"); None for a name that fits none
    or several."""
    wanted = plain(typed)
    names = {p.id: {plain(n) for n in (p.id, *(t.app.catalogs.render(Msg(p.title), lang)
                                                for lang in LANGUAGES))}
             for p in t.specs.programs.values()}
    exact = [pid for pid, ns in names.items() if wanted in ns]
    partly = [pid for pid, ns in names.items() if any(wanted in n for n in ns)]
    found = exact if len(exact) == 1 else partly
    return t.specs.programs[found[0]] if wanted and len(found) == 1 else None


def named_stage(t: Turn, program: ProgramSpec, typed: str) -> Activity | None:
    """The stage typed (loosely: id, alias, title in either language), the
    current one when nothing was typed; None for a name that fits none."""
    if not typed:
        return current_stage(program, t.today) or program.stages[0]
    titles = {s.id: [t.app.catalogs.render(Msg(s.title), lang) for lang in LANGUAGES] for s in program.stages}
    return find_stage(program, typed, titles)


async def scope_name(t: Turn, scope: Scope) -> Msg:
    """"work unit X", "main unit Y" or "the whole agency"."""
    name = (await repo.unit_names(t.s, [scope.unit_id])).get(scope.unit_id, "") \
        if scope.unit_id is not None else ""
    return Msg(f"monitor.scope_{scope.kind}", {"name": name})


def _stage_buttons(program: ProgramSpec, current: str) -> tuple[tuple[Button, ...], ...]:
    row = tuple(Button(Msg(s.title), pack(NotFilledPage(s.id, 0))) for s in program.stages if s.id != current)
    return (row[:3], row[3:]) if len(row) > 3 else (row,)


def _page_starts(rows: list[repo.PendingRow], grouped: bool) -> list[int]:
    """Where each page begins, from the lengths alone: only the page shown
    is rendered, even when the list has tens of thousands of rows."""
    starts = [0]
    size = 0
    unit = None
    for i, row in enumerate(rows):
        header = len(row.unit_name) + UNIT_OVERHEAD if grouped else 0
        cost = len(row.nip) + len(row.nama) + len(row.jabatan or "-") + ROW_OVERHEAD
        if grouped and row.unit_name != unit:
            cost += header
            unit = row.unit_name
        if size + cost > PAGE_CHARS and i > starts[-1]:
            starts.append(i)
            size = header  # a page opens with its unit's header
            cost = cost - header if cost > header else cost
        size += cost
    return starts


def _page_lines(rows: list[repo.PendingRow], first: int, grouped: bool) -> list[Msg]:
    lines: list[Msg] = []
    unit = None
    for n, row in enumerate(rows, first + 1):
        if grouped and row.unit_name != unit:
            unit = row.unit_name
            lines.append(Msg("monitor.unit", {"unit": unit}))
        lines.append(Msg("monitor.row", {
            "n": n, "nip": row.nip, "nama": row.nama, "jabatan": row.jabatan or "-",
            "status": _status(row),
        }))
    return lines


def _status(row: repo.PendingRow) -> Msg:
    status = Msg("monitor.status_parts_missing") if row.parts_missing \
        else Msg(f"monitor.status_{row.status.value}")
    if row.late:
        status = Msg("monitor.late", {"status": status})
    if not row.has_coach:
        # Something the PIC can act on: nobody will confirm until a coach is recorded.
        status = Msg("monitor.status_no_coach", {"status": status})
    return status
