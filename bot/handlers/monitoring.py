"""/belum_isi: who in the caller's scope has not completed a stage. Status
only, never answers; the scope is checked here, on the server."""

from __future__ import annotations

from typing import Any

from bot.i18n import LANGUAGES
from bot.turn import Turn
from flows.access import Scope, covers, monitoring_scope
from flows.callbacks import NotFilledPage, SendToPics, Shortcut, pack
from flows.conversation import State
from flows.messages import Button, Msg, Reply, reply_to_json
from flows.program import current_stage, find_stage
from flows.recap import Row, bucket, stage_counts, stage_label
from flows.spec import Activity, ProgramSpec
from flows.validators import plain
from flows.workflow import LIVE_ENROLMENTS
from storage import repo
from storage.repo.outbox import Queued

PAGE_CHARS = 3500  # leaves room under Telegram's 4096 for header and footer
ROW_OVERHEAD = 75  # numbering, separators and the longest status label of a row


async def not_filled(t: Turn, state: State, args: str) -> State:
    """/belum_isi [program] [tahap]: "/belum_isi profesi", "/belum_isi Checkpoint 1"."""
    program, stage = program_and_rest(t, args)
    await _page(t, stage, 0, 0, program.id)
    return state


def program_and_rest(t: Turn, args: str) -> tuple[ProgramSpec, str]:
    """"[program] [tahap]": the program named first, else the one everyone
    takes part in with all of it the stage ("/rekap checkpoint 1")."""
    first, _, rest = args.strip().partition(" ")
    program = named_program(t, first) if first else None
    return (program, rest.strip()) if program else (monitored_program(t), args.strip())


async def page_pressed(t: Turn, state: State, cb: NotFilledPage) -> State:
    await _page(t, cb.stage, cb.page, cb.unit, cb.program)
    return state


async def _page(t: Turn, stage_arg: str, page: int, unit: int, program_id: str) -> None:
    scope = await unit_scope(t, unit)
    if scope is None:
        t.say("monitor.not_allowed")
        return
    program = t.specs.programs.get(program_id) or monitored_program(t)
    stage = named_stage(t, program, stage_arg)
    if stage is None:
        t.reply(Reply((Msg("monitor.unknown_stage", {"stage": stage_arg}),), _stage_buttons(t, program, "")))
        return
    await repo.audit.record(t.s, t.person.id, "belum_isi", scope, f"{program.id} {stage.id}", t.now)
    if scope.kind != "unit_kerja":
        await _unit_counts(t, scope, program, stage)
        return
    rows, total = await not_completed_in(t, scope, program, stage, t.today.year)
    header = Msg("monitor.header", {
        "program": Msg(program.title), "stage": stage_label(stage), "year": t.today.year,
        "scope": await scope_name(t, scope),
    })
    count = Msg("monitor.count", {"pending": len(rows), "total": total})
    if not rows:
        done = Msg("monitor.all_done", {"total": total})
        t.reply(Reply((header, done), _stage_buttons(t, program, stage.id)))
        return
    starts = _page_starts(rows)
    page = max(0, min(page, len(starts) - 1))
    end = starts[page + 1] if page + 1 < len(starts) else len(rows)
    body = _page_lines(rows[starts[page]:end], starts[page])
    footer = Msg("monitor.page", {"page": page + 1, "pages": len(starts)})
    nav: list[Button] = []
    if page > 0:
        nav.append(Button(Msg("button.prev"), pack(NotFilledPage(stage.id, page - 1, unit, program.id))))
    if page + 1 < len(starts):
        nav.append(Button(Msg("button.next"), pack(NotFilledPage(stage.id, page + 1, unit, program.id))))
    buttons = ((tuple(nav),) if nav else ()) + _stage_buttons(t, program, stage.id)
    t.reply(Reply((header, count, *body, footer), buttons))


def admin_scope(t: Turn) -> Scope | None:
    """The caller's monitoring scope; None, and says so, for anyone who has none."""
    scope = monitoring_scope(t.person.roles, t.person.unit_id, t.person.unit_utama_id)
    if scope is None:
        t.say("monitor.not_allowed")
    return scope


async def unit_scope(t: Turn, unit: int) -> Scope | None:
    """The caller's scope, or one of its units (0: all of it); None when the
    caller may not monitor, or the unit is not within their scope."""
    scope = monitoring_scope(t.person.roles, t.person.unit_id, t.person.unit_utama_id)
    if scope is None or not unit or unit == scope.unit_id:
        return scope
    found = await repo.unit_parent(t.s, unit)
    if found is None or not covers(scope, unit, found[0]):
        return None
    return Scope("unit_kerja" if found[0] is not None else "unit_utama", unit)


async def _unit_counts(t: Turn, scope: Scope, program: ProgramSpec, stage: Activity) -> None:
    """A koordinator's or pembina's first view: per unit (kerja in a unit
    utama, utama in the instansi), how many are done, with a button to open
    each unit, and one that sends each unit's list to its PICs."""
    rows = await recap_rows_for(t, scope, program)
    units, total = stage_counts(program, stage, rows, by_unit_utama=scope.kind == "instansi")
    finished = total.counts["selesai"]
    about = {"stage": stage_label(stage), "year": t.today.year, "scope": await scope_name(t, scope)}
    lines = [Msg("monitor.counts_header", {**about, "done": finished, "total": len(rows),
                                           "share": f"{finished / len(rows):.0%}" if rows else "–"})]
    buttons: list[Button] = []
    for c in units:
        counts = {"unit": c.unit, "done": c.counts["selesai"], "total": c.total,
                  "pending": c.total - c.counts["selesai"]}
        lines.append(Msg("monitor.unit_count", counts))
        if counts["pending"]:
            buttons.append(Button(Msg("monitor.unit_button", counts),
                                  pack(NotFilledPage(stage.id, 0, c.unit_id, program.id))))
    if finished < len(rows):
        buttons.append(Button(Msg("monitor.send_to_pics"),
                              pack(SendToPics(stage.id, scope.unit_id or 0, program.id))))
    rows_of_buttons = tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
    t.reply(Reply(tuple(lines), (*rows_of_buttons, *_stage_buttons(t, program, stage.id))))


async def send_pressed(t: Turn, state: State, cb: SendToPics) -> State:
    """Each unit kerja's list to its PICs (K:1606, K:1911-1912), once a day
    however often it is pressed; what the sender is told: how many PICs, and
    which units have none."""
    scope = await unit_scope(t, cb.unit)
    program = t.specs.programs.get(cb.program) or monitored_program(t)
    stage = program.find(cb.stage)
    if scope is None or scope.kind == "unit_kerja":
        t.say("monitor.not_allowed")
        return state
    if stage is None or stage not in program.stages:
        t.say("error.stale_button")
        return state
    pending: dict[int, list[Row]] = {}
    for row in await recap_rows_for(t, scope, program):
        if bucket(program, stage, row.forms) != "selesai":
            pending.setdefault(row.unit_kerja_id, []).append(row)
    pics = await repo.pics_in(t.s, list(pending))
    open_list = Button(Msg("reminder.open_not_filled"), pack(Shortcut("belum_isi")))
    queued: list[Queued] = []
    for unit, members in pending.items():
        header = Msg("monitor.pic_list_header", {"name": t.person.nama, "unit": members[0].unit_kerja,
                                                 "stage": stage_label(stage), "year": t.today.year,
                                                 "count": len(members)})
        body = [Msg("monitor.row", {"n": n, "nip": r.nip, "nama": r.nama, "jabatan": r.jabatan or "-",
                                    "status": Msg(f"recap.bucket_{bucket(program, stage, r.forms)}")})
                for n, r in enumerate(members, 1)]
        reply = Reply((header, *body), ((open_list,),))
        queued += [Queued(f"pic_list:{pic}:{program.id}:{stage.id}@{t.today.year}:{unit}:{t.today}", pic,
                          "notice", reply_to_json(reply), t.now) for pic in pics.get(unit, ())]
    sent = await repo.outbox.enqueue(t.s, queued, t.now)
    without = sorted(members[0].unit_kerja for unit, members in pending.items() if unit not in pics)
    await repo.audit.record(t.s, t.person.id, "kirim_ke_pic", scope, f"{program.id} {stage.id} {sent}", t.now)
    t.say("monitor.sent_to_pics", pics=len(queued), sent=sent, units=len(pending) - len(without),
          without=len(without), names=", ".join(without) or "–")
    return state


async def recap_rows_for(t: Turn, scope: Scope, program: ProgramSpec, year: int | None = None) -> list[Row]:
    """Who in scope takes part in the program in a year (this one by default), where they stand."""
    return await repo.recap_rows(t.s, scope, program.id, year or t.today.year, **enrolment_filter(program))


def enrolment_filter(program: ProgramSpec) -> dict[str, Any]:
    """Who takes part, as storage asks it (recap_rows, not_completed,
    rating_sums): the program's enrolment rule."""
    rule = program.enrolment
    return {"everyone": rule.mode == "automatic", "flag": rule.flag,
            "live": [s.value for s in LIVE_ENROLMENTS]}


async def not_completed_in(t: Turn, scope: Scope, program: ProgramSpec, stage: Activity,
                           year: int) -> tuple[list[repo.PendingRow], int]:
    """Who in scope takes part in the program in a year and has not completed
    the stage, and how many in scope take part: what /belum_isi lists and
    /ingatkan reminds."""
    parts = [a.id for a in program.parts(stage)]
    return await repo.not_completed(t.s, scope, program.id, stage.id, year, parts,
                                    log=stage.schedule.kind == "log", **enrolment_filter(program))


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


def unknown_program(t: Turn, typed: str) -> Msg:
    """That no program is called so, and which there are."""
    return Msg("recap.unknown_program", {"program": typed, "known": ", ".join(
        t.text(Msg(p.title)) for p in t.specs.programs.values())})


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


def _stage_buttons(t: Turn, program: ProgramSpec, current: str) -> tuple[tuple[Button, ...], ...]:
    """The program's other stages, and the other programs, to switch to."""
    row = tuple(Button(stage_label(s), pack(NotFilledPage(s.id, 0, 0, program.id)))
                for s in program.stages if s.id != current)
    stages = (row[:3], row[3:]) if len(row) > 3 else (row,)
    others = tuple(Button(Msg(p.title), pack(NotFilledPage("", 0, 0, p.id)))
                   for p in t.specs.programs.values() if p.id != program.id)
    return (*stages, *((others,) if others else ()))


def _page_starts(rows: list[repo.PendingRow]) -> list[int]:
    """Where each page begins, from the lengths alone: only the page shown
    is rendered, even when the list has thousands of rows."""
    starts = [0]
    size = 0
    for i, row in enumerate(rows):
        cost = len(row.nip) + len(row.nama) + len(row.jabatan or "-") + ROW_OVERHEAD
        if size + cost > PAGE_CHARS and i > starts[-1]:
            starts.append(i)
            size = 0
        size += cost
    return starts


def _page_lines(rows: list[repo.PendingRow], first: int) -> list[Msg]:
    return [Msg("monitor.row", {"n": n, "nip": row.nip, "nama": row.nama, "jabatan": row.jabatan or "-",
                                "status": _status(row)}) for n, row in enumerate(rows, first + 1)]


def _status(row: repo.PendingRow) -> Msg:
    status = Msg("monitor.status_parts_missing") if row.parts_missing \
        else Msg(f"monitor.status_{row.status.value}")
    if row.late:
        status = Msg("monitor.late", {"status": status})
    if not row.has_coach:
        # Something the PIC can act on: nobody will confirm until a coach is recorded.
        status = Msg("monitor.status_no_coach", {"status": status})
    return status
