"""`/rekap rencana` and `/ekspor` over a large organisation, end to end through Bina.handle.

A unit utama of 20,000 employees over 10 unit kerja of 2,000 (the koordinator
is in the first), and a second unit utama whose one unit kerja of 500 is the
PIC's; about 30% of employees have a Rencana submission for 2026 (confirmed,
submitted or draft), some of those a Check-in 1 form too, and each confirmed
form its JP line in the ledger.

Timed for each scope, runs interleaved: `/rekap rencana` (text lines per unit
kerja and a PNG chart in the reply) and `/ekspor` (an XLSX workbook: the
status sheet with each person's JP, a summary per unit, the JPL sheet), and as the same-run
reference the plain storage read behind both, repo.recap_rows for the scope
in a transaction, so the printed ratios show what building the chart and the
workbook adds. For the 20,000 the chart (bot.charts.stage_chart) and the
workbook (bot.sheets.status_xlsx) are also timed on their own, and one
`/ekspor csv` is timed and checked for each scope.

Checks: the workbook opens with openpyxl and its status sheet has 4 title and
header rows, then one row per employee in scope (20,000 / 500), the NIPs of
exactly those employees and their statuses as the database has them, their
JP adding up to the ledger's; the summary and the JPL sheet have a row per
unit kerja and the total; the CSV has a line per
employee; the chart is a PNG; the /rekap text has one line per unit kerja
(plus the total for the koordinator) with the counts the database gives.

Targets (medians, chart and workbook included): the koordinator's (20,000)
/rekap and /ekspor <= 2 s each; the PIC's (500) <= 200 ms each.

    .venv/bin/python bench/recap.py [--runs 5] [--db URL]
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import random
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from _common import (
    NOW,
    Caller,
    GcWatch,
    Spec,
    arguments,
    fixed_clock,
    machine,
    median,
    peak_rss_mb,
    roster,
    run_bench,
    verdict,
)
from openpyxl import load_workbook
from sqlalchemy import func, insert, select
from xlsxwriter import Workbook

from bot.charts import stage_chart
from bot.core import Bina
from bot.i18n import Catalogs
from bot.render import reply_text
from bot.runner import tune_gc
from bot.sheets import Sheet, status_xlsx
from bot.turn import Outgoing
from flows.access import Scope
from flows.events import CommandReceived
from flows.messages import Document, Msg
from flows.program import Status
from flows.recap import stage_counts, tally
from flows.spec import DEFAULT_PROGRAMS, load_specs
from flows.workflow import LIVE_ENROLMENTS
from storage import repo
from storage.db import Database
from storage.models import Employee, JpLine, Submission, Unit

TARGET_KOORDINATOR_MS = 2_000.0
TARGET_PIC_MS = 200.0

PROGRAM, STAGE, YEAR = "kemenkes_tetap", "rencana", 2026
FORMS = {"rencana": "rencana_pengembangan", "checkin1": "risalah_checkin"}
UNIT_UTAMA = "Direktorat Jenderal Pelayanan Kesehatan"
OTHER_UTAMA, PIC_UNIT = "Sekretariat Jenderal", "Biro Umum"
UNITS, PER_UNIT, PIC_PEOPLE = 10, 2_000, 500
KOOR_TG, PIC_TG = 900_002, 900_001
LANG = "id"
PNG = b"\x89PNG\r\n\x1a\n"
TITLE_ROWS = 4  # the status sheet's title, scope line, "Status Coaching" band and column header
STATUS_SHEET, SUMMARY_SHEET, JP_SHEET = "Status Pengisian", "Ringkasan", "JPL"
# A stage's column in the status sheet (after No, NIP, Nama, Jabatan, Unit Kerja).
COLUMN = {"rencana": 5, "checkin1": 6}
# The words the sheet and /rekap use for a status (bucket), from the catalog, spelled out here.
WORD = {Status.CONFIRMED: "selesai", Status.SUBMITTED: "menunggu konfirmasi", Status.DRAFT: "draf",
        Status.RETURNED: "perlu perbaikan", Status.NOT_STARTED: "belum mengisi"}
BUCKET = {Status.CONFIRMED: "selesai", Status.SUBMITTED: "menunggu", Status.DRAFT: "draf",
          Status.RETURNED: "draf", Status.NOT_STARTED: "belum"}
COUNT_LINE = re.compile(r"^🏢 (.+): selesai (\d+) dari (\d+) \(\d+%\) · menunggu konfirmasi (\d+) · "
                        r"draf (\d+) · belum mengisi (\d+)$", re.MULTILINE)
EXPORT_PEOPLE = re.compile(r"tahun \d+: (\d+) pegawai")
T = TypeVar("T")


# --- seeding ----------------------------------------------------------------------------------


def organisation() -> list[Spec]:
    """Index 0 is the koordinator; each unit kerja's head reports to the
    koordinator and its staff to the head. The PIC's unit kerja of 500 is in
    another unit utama: its head first, then the PIC."""
    specs: list[Spec] = []
    for k in range(UNITS):
        unit = f"Direktorat Pelayanan Kesehatan {k + 1:02d}"
        head = k * PER_UNIT if k else 1  # unit 1: 0 koordinator, 1 head
        for j in range(PER_UNIT):
            i = k * PER_UNIT + j
            atasan = None if i == 0 else 0 if i == head else head
            specs.append(Spec(i, UNIT_UTAMA, unit, atasan=atasan, roles="koordinator" if i == 0 else ""))
    base = UNITS * PER_UNIT
    for j in range(PIC_PEOPLE):
        specs.append(Spec(base + j, OTHER_UTAMA, PIC_UNIT, atasan=None if j == 0 else base,
                          roles="pic" if j == 1 else ""))
    return specs


def _form(employee_id: int, activity: str, status: Status) -> dict[str, Any]:
    done = status is Status.CONFIRMED
    sent = status in (Status.CONFIRMED, Status.SUBMITTED)
    return dict(employee_id=employee_id, program=PROGRAM, activity=activity, year=YEAR,
                form_id=FORMS[activity], spec_version=1, answers={"status": "selesai"} if sent else {},
                cursor=16 if sent else 3, status=status.value, submitted_at=NOW if sent else None,
                decided_at=NOW if done else None, created_at=NOW, updated_at=NOW)


async def seed(db: Database) -> dict[str, float]:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    specs = organisation()
    rows = roster(specs)
    timings["parse_rows"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    async with db.transaction() as s:
        await repo.upsert_roster(s, rows, NOW)
    timings["upsert_roster"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    async with db.transaction() as s:
        ids = dict((await s.execute(select(Employee.nip, Employee.id))).all())
        await repo.link_telegram(s, ids[rows[0].nip], KOOR_TG, "id", NOW)
        pic = next(row for row, spec in zip(rows, specs, strict=True) if spec.roles == "pic")
        await repo.link_telegram(s, ids[pic.nip], PIC_TG, "id", NOW)
        rng = random.Random(2026)
        forms: list[dict[str, Any]] = []
        for row in rows:
            roll = rng.random()
            if roll >= 0.30:
                continue
            rencana = Status.CONFIRMED if roll < 0.15 else Status.SUBMITTED if roll < 0.22 else Status.DRAFT
            forms.append(_form(ids[row.nip], "rencana", rencana))
            if rencana is Status.CONFIRMED and rng.random() < 0.4:
                forms.append(_form(ids[row.nip], "checkin1",
                                   rng.choice((Status.CONFIRMED, Status.SUBMITTED, Status.DRAFT))))
        await s.execute(insert(Submission), forms)
        confirmed = (await s.execute(select(Submission.id, Submission.employee_id, Submission.activity)
                                     .where(Submission.status == Status.CONFIRMED.value))).all()
        two = Decimal(2)
        await s.execute(insert(JpLine), [dict(
            employee_id=person, program=PROGRAM, activity=activity, submission_id=sub, day=NOW.date(),
            claimed=two, base=two, credited=two, rule=activity, reason_key="jp.credited",
            reason_params={"jp": {"decimal": "2"}}, created_at=NOW,
        ) for sub, person, activity in confirmed])
    timings["forms"] = time.perf_counter() - t0
    return timings


# --- what the database says, counted independently of the bot --------------------------------


@dataclass
class UnitCensus:
    name: str
    parent_id: int | None
    nips: set[str] = field(default_factory=set)
    status: dict[str, Counter[Status]] = field(default_factory=dict)  # stage -> status -> people
    jp: Decimal = Decimal(0)  # its people's JP of the year


async def census(db: Database) -> dict[int, UnitCensus]:
    """Every unit kerja: its people's NIPs, and how many are at each status of each stage."""
    async with db.transaction() as s:
        units = {u: UnitCensus(name, parent) for u, name, parent in
                 (await s.execute(select(Unit.id, Unit.name, Unit.parent_id))).all()}
        people = (await s.execute(select(Employee.id, Employee.nip, Employee.unit_id))).all()
        forms: dict[tuple[int, str], Status] = {
            (person, activity): Status(status) for person, activity, status in (await s.execute(
                select(Submission.employee_id, Submission.activity, Submission.status).where(
                    Submission.program == PROGRAM, Submission.year == YEAR, Submission.occurrence == 0,
                ))).all()}
        jp = dict((await s.execute(select(JpLine.employee_id, func.sum(JpLine.credited))
                                   .group_by(JpLine.employee_id))).all())
    for person, nip, unit in people:
        found = units[unit]
        found.nips.add(nip)
        found.jp += Decimal(jp.get(person, 0))
        for stage in COLUMN:
            found.status.setdefault(stage, Counter())[forms.get((person, stage), Status.NOT_STARTED)] += 1
    return {u: c for u, c in units.items() if c.nips}


def in_scope(expected: dict[int, UnitCensus], scope: Scope) -> dict[int, UnitCensus]:
    if scope.kind == "unit_kerja":
        return {u: c for u, c in expected.items() if u == scope.unit_id}
    return {u: c for u, c in expected.items() if c.parent_id == scope.unit_id}


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    telegram_id: int
    people: int  # in scope
    target_ms: float
    scope: Scope | None = None
    rekap_ms: list[float] = field(default_factory=list)
    ekspor_ms: list[float] = field(default_factory=list)
    read_ms: list[float] = field(default_factory=list)
    csv_ms: float = 0.0
    chart_ms: list[float] = field(default_factory=list)  # on their own (the large case)
    xlsx_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    rekap: list[Outgoing] = field(default_factory=list)  # the last replies
    ekspor: list[Outgoing] = field(default_factory=list)
    csv: list[Outgoing] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


async def timed(work: Awaitable[T]) -> tuple[T, float]:
    """Await `work` (a coroutine does nothing until then) and time it in ms."""
    t0 = time.perf_counter()
    result = await work
    return result, (time.perf_counter() - t0) * 1000


def timed_call(work: Callable[[], T]) -> tuple[T, float]:
    t0 = time.perf_counter()
    result = work()
    return result, (time.perf_counter() - t0) * 1000


async def read_rows(bina: Bina, scope: Scope) -> list[Any]:
    """The storage read behind /rekap and /ekspor, as the handlers ask for it."""
    rule = bina.specs.programs[PROGRAM].enrolment
    async with bina.db.transaction() as s:
        return await repo.recap_rows(s, scope, PROGRAM, YEAR, everyone=rule.mode == "automatic",
                                     flag=rule.flag, live=[x.value for x in LIVE_ENROLMENTS])


async def measure(bina: Bina, case: Case, runs: int) -> None:
    caller = Caller(bina, case.telegram_id, LANG)
    case.scope = await caller.scope()
    rekap, ekspor = CommandReceived("rekap", STAGE), CommandReceived("ekspor", "")
    await caller.handle(rekap)  # warm-up: statement caches, fonts, page cache
    await caller.handle(ekspor)
    await read_rows(bina, case.scope)
    for _ in range(runs):  # interleaved, so that the machine's other work falls on all three alike
        case.rekap, ms = await timed(caller.handle(rekap))
        case.rekap_ms.append(ms)
        case.ekspor, ms = await timed(caller.handle(ekspor))
        case.ekspor_ms.append(ms)
        _, ms = await timed(read_rows(bina, case.scope))
        case.read_ms.append(ms)
    case.csv, case.csv_ms = await timed(caller.handle(CommandReceived("ekspor", "csv")))


async def measure_parts(bina: Bina, catalogs: Catalogs, case: Case, runs: int) -> None:
    """The chart and the workbook on their own, from rows read once, built as the handlers build them."""
    assert case.scope is not None
    program = bina.specs.programs[PROGRAM]
    stage = program.find(STAGE)
    assert stage is not None

    def render(msg: Msg) -> str:
        return catalogs.render(msg, LANG)

    rows = await read_rows(bina, case.scope)
    async with bina.db.transaction() as s:
        name = (await repo.unit_names(s, [case.scope.unit_id or 0])).get(case.scope.unit_id or 0, "")
        jp = await repo.jp_totals(s, case.scope, YEAR)
    where = Msg(f"monitor.scope_{case.scope.kind}", {"name": name})
    units, _ = stage_counts(program, stage, rows, by_unit_utama=case.scope.kind == "instansi")
    title = render(Msg("recap.chart_title", {"stage": stage.sheet or render(Msg(stage.title)),
                                             "program": Msg(program.title), "scope": where, "year": YEAR}))
    per_unit, total = tally(program, rows)
    heading = Msg("recap.title_line", {"program": Msg(program.title), "scope": where, "year": YEAR})
    sheet = Sheet(program, heading, rows, per_unit, total, jp, per_unit, False)
    cells = len(rows) * (5 + len(program.stages) + 1)  # the status sheet: people, stages, JP
    for _ in range(runs):
        _, ms = timed_call(lambda: stage_chart(title, units, render))
        case.chart_ms.append(ms)
        _, ms = timed_call(lambda: status_xlsx(sheet, render))
        case.xlsx_ms.append(ms)
        _, ms = timed_call(lambda: plain_workbook(len(rows), cells // max(len(rows), 1)))
        case.floor_ms.append(ms)


def plain_workbook(rows: int, columns: int) -> bytes:
    """The floor of any workbook of this size: as many short strings written
    by XlsxWriter in constant-memory mode, no styles, nothing else."""
    out = io.BytesIO()
    book = Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet("plain")
    for i in range(rows):
        sheet.write_row(i, 0, [f"v{i}"] * columns)
    book.close()
    return out.getvalue()


# --- checking -----------------------------------------------------------------------------------


def document(catalogs: Catalogs, case: Case, what: str,
             messages: list[Outgoing]) -> tuple[str, Document | None]:
    """The reply's text and its document, noting a reply that is not one message with one."""
    if len(messages) != 1:
        case.problems.append(f"{what}: {len(messages)} messages, expected one")
        if not messages:
            return "", None
    out = messages[0]
    if out.reply.document is None:
        case.problems.append(f"{what}: no document in the reply")
    return reply_text(catalogs, out.reply, out.lang), out.reply.document


def check_rekap(catalogs: Catalogs, case: Case, expected: dict[int, UnitCensus]) -> tuple[int, int]:
    """The text: a line per unit kerja with the database's counts (and the
    total when there are several); the chart: a PNG. Returns the number of
    count lines and the chart's size."""
    problems = case.problems
    text, doc = document(catalogs, case, "/rekap", case.rekap)
    if doc is not None and (not doc.image or not doc.content.startswith(PNG)):
        problems.append(f"/rekap: the chart {doc.filename} is not a PNG image (starts {doc.content[:8]!r})")
    lines = COUNT_LINE.findall(text)
    shown = {name: tuple(int(x) for x in numbers) for name, *numbers in lines}
    wanted: dict[str, tuple[int, ...]] = {}
    for c in expected.values():
        counts: Counter[str] = Counter()
        for status, n in c.status[STAGE].items():
            counts[BUCKET[status]] += n
        wanted[c.name] = (counts["selesai"], len(c.nips), counts["menunggu"], counts["draf"], counts["belum"])
    if len(expected) > 1:
        wanted["Jumlah"] = tuple(sum(w[i] for w in list(wanted.values())) for i in range(5))
    if len(lines) != len(wanted):
        problems.append(f"/rekap: {len(lines)} count lines, expected {len(wanted)} "
                        f"({len(expected)} unit kerja{' and the total' if len(expected) > 1 else ''})")
    for name, want in wanted.items():
        if shown.get(name) != want:
            problems.append(f"/rekap: {name} shows {shown.get(name)}, expected {want} "
                            "(done, of, waiting, draft, not begun)")
    return len(lines), len(doc.content) if doc else 0


def check_ekspor(catalogs: Catalogs, case: Case, expected: dict[int, UnitCensus]) -> tuple[int, int]:
    """The workbook opens; its status sheet has the title rows, then exactly
    the people in scope with their statuses; the summary a row per unit kerja
    and the total; the CSV a line per person. Returns the status sheet's rows
    and the workbook's size."""
    problems = case.problems
    nips = set().union(*(c.nips for c in expected.values()))
    text, doc = document(catalogs, case, "/ekspor", case.ekspor)
    said = EXPORT_PEOPLE.search(text)
    if not said or int(said[1]) != len(nips):
        problems.append(f"/ekspor: the reply says {said[1] if said else '?'} people, expected {len(nips)}")
    if doc is None:
        return 0, 0
    if not doc.filename.endswith(".xlsx"):
        problems.append(f"/ekspor: the file is {doc.filename}")
    try:
        book = load_workbook(io.BytesIO(doc.content), read_only=True)
    except Exception as e:  # whatever openpyxl raises, the workbook is broken
        problems.append(f"/ekspor: openpyxl cannot open the workbook: {e!r}")
        return 0, len(doc.content)
    try:
        if book.sheetnames != [STATUS_SHEET, SUMMARY_SHEET, JP_SHEET]:
            problems.append(f"/ekspor: sheets {book.sheetnames}")
            return 0, len(doc.content)
        rows = list(book[STATUS_SHEET].iter_rows(values_only=True))
        summary = list(book[SUMMARY_SHEET].iter_rows(values_only=True))
        jp_lines = list(book[JP_SHEET].iter_rows(values_only=True))
    finally:
        book.close()
    if len(rows) != TITLE_ROWS + len(nips):
        problems.append(f"/ekspor: the status sheet has {len(rows)} rows, "
                        f"expected {TITLE_ROWS} + {len(nips)}")
    if len(rows) < TITLE_ROWS or rows[TITLE_ROWS - 1][:2] != ("No", "NIP"):
        problems.append(f"/ekspor: row {TITLE_ROWS} is not the column header")
    people = rows[TITLE_ROWS:]
    listed = [str(r[1]) for r in people]
    if len(set(listed)) != len(listed) or set(listed) != nips:
        outside, missing = len(set(listed) - nips), len(nips - set(listed))
        problems.append(f"/ekspor: the status sheet lists {len(set(listed))} distinct NIPs, "
                        f"{outside} of them outside the scope, {missing} missing")
    if [r[0] for r in people] != list(range(1, len(people) + 1)):
        problems.append("/ekspor: the status sheet's rows are not numbered 1, 2, 3, ...")
    for stage, column in COLUMN.items():
        got = Counter(r[column] for r in people)
        want: Counter[str] = Counter()
        for c in expected.values():
            want.update({WORD[s]: n for s, n in c.status[stage].items()})
        if got != want:
            problems.append(f"/ekspor: {stage} statuses {dict(got)}, expected {dict(want)}")
    if len(summary) != TITLE_ROWS + len(expected) + 1:
        problems.append(f"/ekspor: the summary has {len(summary)} rows, "
                        f"expected {TITLE_ROWS} + {len(expected)} units + the total")
    jp = sum((Decimal(str(r[-1])) for r in people), Decimal(0))
    if jp != sum((c.jp for c in expected.values()), Decimal(0)):
        problems.append(f"/ekspor: the JP column adds up to {jp}, "
                        f"the ledger to {sum((c.jp for c in expected.values()), Decimal(0))}")
    if len(jp_lines) != TITLE_ROWS + len(expected) + 1 or jp_lines[-1][2] != len(nips):
        problems.append(f"/ekspor: the JPL sheet has {len(jp_lines)} rows, "
                        f"expected {TITLE_ROWS} + {len(expected)} units + the total of {len(nips)}")

    _, csv_doc = document(catalogs, case, "/ekspor csv", case.csv)
    if csv_doc is not None:
        lines = list(csv.reader(io.StringIO(csv_doc.content.decode("utf-8-sig"))))
        if not csv_doc.filename.endswith(".csv") or len(lines) != 1 + len(nips):
            problems.append(f"/ekspor csv: {csv_doc.filename} has {len(lines)} lines, "
                            f"expected 1 + {len(nips)}")
    return len(rows), len(doc.content)


# --- reporting ----------------------------------------------------------------------------------


def spread(values: list[float]) -> str:
    return (f"median {median(values):.0f} ms (min {min(values):.0f}, max {max(values):.0f}; "
            f"{len(values)} runs)")


def report(case: Case, rekap_lines: int, chart_bytes: int, sheet_rows: int, xlsx_bytes: int) -> None:
    assert case.scope is not None
    read = max(median(case.read_ms), 1e-9)
    print(f"\n{case.name} ({case.scope.kind} scope, {case.people} employees)")
    print(f"  /rekap {STAGE} via Bina.handle: {spread(case.rekap_ms)}; "
          f"{rekap_lines} count lines, chart {chart_bytes / 1024:.0f} KB")
    print(f"  /ekspor via Bina.handle: {spread(case.ekspor_ms)}; "
          f"workbook {xlsx_bytes / 1024:.0f} KB, status sheet {sheet_rows} rows")
    csv_size = case.csv[0].reply.document.content if case.csv and case.csv[0].reply.document else b""
    print(f"  /ekspor csv via Bina.handle: {case.csv_ms:.0f} ms (one run), {len(csv_size) / 1024:.0f} KB")
    print(f"  repo.recap_rows alone (in a transaction): {spread(case.read_ms)}; "
          f"/rekap is {median(case.rekap_ms) / read:.1f}x it, /ekspor {median(case.ekspor_ms) / read:.1f}x")
    if case.chart_ms:
        print(f"  on their own, from rows read once: stage_chart median {median(case.chart_ms):.0f} ms, "
              f"status_xlsx median {median(case.xlsx_ms):.0f} ms ({len(case.chart_ms)} runs); same-run "
              f"floor, as many plain cells written by XlsxWriter alone: {median(case.floor_ms):.0f} ms")
    for p in case.problems[:10]:
        print(f"  PROBLEM {p}")


async def main_async(args: argparse.Namespace, url: str) -> None:
    db = Database(url)
    timings = await seed(db)
    employees = UNITS * PER_UNIT + PIC_PEOPLE
    print(f"seeded {employees} employees: parse_rows {timings['parse_rows']:.1f} s, "
          f"repo.upsert_roster {timings['upsert_roster']:.1f} s, "
          f"forms + JP lines (core bulk insert) {timings['forms']:.1f} s")
    async with db.transaction() as s:
        by_stage = (await s.execute(select(Submission.activity, Submission.status, func.count())
                                    .group_by(Submission.activity, Submission.status))).all()
    for stage in COLUMN:
        found = {status: n for activity, status, n in by_stage if activity == stage}
        print(f"{stage} {YEAR}: {found} ({sum(found.values()) / employees:.0%} of employees)")
    expected = await census(db)

    bina = Bina(db, load_specs(programs=list(DEFAULT_PROGRAMS)), fixed_clock)
    tune_gc()  # as `bina run` does once started
    catalogs = Catalogs()
    cases = [Case("koordinator", KOOR_TG, UNITS * PER_UNIT, TARGET_KOORDINATOR_MS),
             Case("PIC", PIC_TG, PIC_PEOPLE, TARGET_PIC_MS)]
    for case in cases:
        with GcWatch() as watch:
            await measure(bina, case, args.runs)
            if case.people > PIC_PEOPLE:
                await measure_parts(bina, catalogs, case, args.runs)
        assert case.scope is not None
        mine = in_scope(expected, case.scope)
        if sum(len(c.nips) for c in mine.values()) != case.people:
            case.problems.append(f"the scope holds {sum(len(c.nips) for c in mine.values())} employees, "
                                 f"expected {case.people}")
        lines, chart = check_rekap(catalogs, case, mine)
        rows, xlsx = check_ekspor(catalogs, case, mine)
        report(case, lines, chart, rows, xlsx)
        print(f"  {watch.summary()}")
        # What the runs left for the cyclic collector (a workbook's cells and sheets refer to each
        # other), found only by a full collection; taken here, outside the timings, so that each
        # case starts from the same heap.
        t0 = time.perf_counter()
        freed = gc.collect()
        print(f"  afterwards a full collection freed {freed} objects in "
              f"{(time.perf_counter() - t0) * 1000:.0f} ms")
    await db.dispose()

    print(f"\nmachine at the end: {machine()}")
    print("\n== targets ==")
    for case in cases:
        for command, values in ((f"/rekap {STAGE}", case.rekap_ms), ("/ekspor", case.ekspor_ms)):
            med = median(values)
            print(f"{verdict(med <= case.target_ms)}  {case.name} ({case.people} employees): {command} "
                  f"median {med:.0f} ms (target <= {case.target_ms:.0f} ms; the storage read alone "
                  f"{median(case.read_ms):.0f} ms)")
    for case in cases:
        print(f"{verdict(not case.problems)}  {case.name}: workbook, CSV, chart and /rekap lines "
              f"as the database has them ({len(case.problems)} problems)")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    args = parser.parse_args()
    run_bench(args, lambda url, _: main_async(args, url))


if __name__ == "__main__":
    main()
