"""`/belum_isi rencana` over a large organisation, end to end through Bina.handle.

A unit utama of 20,000 employees over 10 unit kerja of 2,000 (the PIC's is the
first), plus a second unit utama that neither should see; about 30% have a
confirmed or draft Rencana submission for 2026.

The PIC (unit kerja scope) gets the pending names in pages: timed, and every
page walked with the next-page button (`bi:<stage>:<page>:0`). The koordinator
(unit utama scope) gets one message of counts per unit kerja, with a button
per unit that still has pending people (`bi:<stage>:0:<unit>`) and "Kirim ke
PIC": timed, and checked against counts taken from the database
independently; then one unit is opened from its button (timed) and all its
pages are walked. Same-run references: the storage read behind each view
alone (repo.not_completed for the PIC, repo.recap_rows for the counts).
Checks: every message within Telegram's 4096 characters, page counts, the
next/previous buttons, the counts per unit and the unit buttons.

Targets (medians): the PIC's list <= 50 ms; the koordinator's counts <= 500 ms;
a unit's list opened from the counts <= 50 ms (the same list as the PIC's).

    .venv/bin/python bench/belum_isi.py [--runs 10] [--other-employees 2000]
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
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
from sqlalchemy import func, insert, select

from bot.core import Bina
from bot.i18n import Catalogs
from bot.render import TELEGRAM_LIMIT, reply_text, split_text
from bot.runner import tune_gc
from bot.turn import Outgoing
from flows.access import Scope
from flows.events import ChoicePicked, CommandReceived
from flows.program import Status
from flows.spec import DEFAULT_PROGRAMS, load_specs
from flows.workflow import LIVE_ENROLMENTS
from storage import repo
from storage.db import Database
from storage.models import Employee, Submission, Unit

TARGET_PIC_MS = 50.0
TARGET_KOORDINATOR_MS = 500.0
TARGET_OPEN_UNIT_MS = TARGET_PIC_MS  # the same list as the PIC's, for any unit kerja of the koordinator

PROGRAM, STAGE, YEAR, FORM = "kemenkes_tetap", "rencana", 2026, "rencana_pengembangan"
UNIT_UTAMA = "Direktorat Jenderal Pelayanan Kesehatan"
OTHER_UTAMA = "Sekretariat Jenderal"
UNITS, PER_UNIT = 10, 2_000
PIC_TG, KOOR_TG = 900_001, 900_002
ROW = re.compile(r"^(\d+)\. (\d{18}) — ", re.MULTILINE)
T = TypeVar("T")
PAGE = re.compile(r"Halaman (\d+)/(\d+)")
COUNT = re.compile(r"(\d+) dari (\d+) pegawai belum selesai")
COUNTS_HEADER = re.compile(r"sudah selesai (\d+) dari (\d+) pegawai")
UNIT_COUNT = re.compile(r"^🏢 (.+): sudah (\d+) dari (\d+), belum (\d+)$", re.MULTILINE)
UNIT_BUTTON = re.compile(rf"^bi:{STAGE}:0:(\d+):{PROGRAM}$")


# --- seeding ----------------------------------------------------------------------------------


def organisation(other: int) -> list[Spec]:
    """Index 0 is the koordinator, 1 the PIC; each unit kerja's head reports to
    the koordinator and its staff to the head."""
    specs: list[Spec] = []
    for k in range(UNITS):
        unit = f"Direktorat Pelayanan Kesehatan {k + 1:02d}"
        head = k * PER_UNIT if k else 2  # unit 1: 0 koordinator, 1 PIC, 2 head
        for j in range(PER_UNIT):
            i = k * PER_UNIT + j
            roles = "koordinator" if i == 0 else "pic" if i == 1 else ""
            atasan = None if i == 0 else 0 if i == head else head
            specs.append(Spec(i, UNIT_UTAMA, unit, atasan=atasan, roles=roles))
    base = UNITS * PER_UNIT
    for j in range(other):
        specs.append(Spec(base + j, OTHER_UTAMA, "Biro Umum", atasan=None if j == 0 else base))
    return specs


async def seed(db: Database, other: int) -> dict[str, float]:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    rows = roster(organisation(other))
    timings["parse_rows"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    async with db.transaction() as s:
        await repo.upsert_roster(s, rows, NOW)
    timings["upsert_roster"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    async with db.transaction() as s:
        ids = dict((await s.execute(select(Employee.nip, Employee.id))).all())
        await repo.link_telegram(s, ids[rows[0].nip], KOOR_TG, "id", NOW)
        await repo.link_telegram(s, ids[rows[1].nip], PIC_TG, "id", NOW)
        rng = random.Random(2026)
        subs: list[dict[str, Any]] = []
        for row in rows:
            roll = rng.random()
            if roll >= 0.30:
                continue
            confirmed = roll < 0.20
            subs.append(dict(
                employee_id=ids[row.nip], program=PROGRAM, activity=STAGE, year=YEAR, form_id=FORM,
                spec_version=1, answers={"status": "selesai"} if confirmed else {},
                cursor=16 if confirmed else 3,
                status=(Status.CONFIRMED if confirmed else Status.DRAFT).value, jp=2 if confirmed else 0,
                submitted_at=NOW if confirmed else None, decided_at=NOW if confirmed else None,
                created_at=NOW, updated_at=NOW,
            ))
        await s.execute(insert(Submission), subs)
    timings["submissions"] = time.perf_counter() - t0
    return timings


# --- what the database says, counted independently of the bot --------------------------------


@dataclass
class UnitCensus:
    unit_id: int
    name: str
    parent_id: int | None
    total: int = 0
    pending: set[str] = field(default_factory=set)  # NIPs without a confirmed Rencana

    @property
    def done(self) -> int:
        return self.total - len(self.pending)


async def census(db: Database) -> dict[int, UnitCensus]:
    """Every unit kerja: its people and who among them has not completed the stage."""
    async with db.transaction() as s:
        units = {u: UnitCensus(u, name, parent) for u, name, parent in
                 (await s.execute(select(Unit.id, Unit.name, Unit.parent_id))).all()}
        people = (await s.execute(select(Employee.id, Employee.nip, Employee.unit_id))).all()
        confirmed = set((await s.execute(select(Submission.employee_id).where(
            Submission.program == PROGRAM, Submission.activity == STAGE, Submission.year == YEAR,
            Submission.occurrence == 0, Submission.status == Status.CONFIRMED.value,
        ))).scalars())
    for person, nip, unit in people:
        units[unit].total += 1
        if person not in confirmed:
            units[unit].pending.add(nip)
    return {u: c for u, c in units.items() if c.total}


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Page:
    text: str
    chunks: int
    page: int
    pages: int
    numbers: list[int]
    nips: list[str]
    buttons: list[str]
    count: tuple[int, int] | None


@dataclass
class Counts:
    """The koordinator's first view: done and total per unit kerja."""

    text: str
    chunks: int
    header: tuple[int, int] | None  # done, total
    units: dict[str, tuple[int, int, int]]  # name -> done, total, pending
    lines: int  # count lines, a unit named twice counted twice
    buttons: dict[str, str]  # callback data -> label


@dataclass
class Role:
    name: str
    telegram_id: int
    target_ms: float
    scope: Scope | None = None
    handle_ms: list[float] = field(default_factory=list)
    render_ms: list[float] = field(default_factory=list)
    query_ms: list[float] = field(default_factory=list)
    next_ms: list[float] = field(default_factory=list)
    open_ms: list[float] = field(default_factory=list)  # koordinator: a unit opened from the counts
    opened: str = ""  # its name
    problems: list[str] = field(default_factory=list)


def one_message(catalogs: Catalogs, messages: list[Outgoing]) -> tuple[Outgoing, str]:
    assert len(messages) == 1, f"expected one message, got {len(messages)}"
    out = messages[0]
    return out, reply_text(catalogs, out.reply, out.lang)


def parse_page(catalogs: Catalogs, messages: list[Outgoing]) -> Page:
    out, text = one_message(catalogs, messages)
    page = PAGE.search(text)
    count = COUNT.search(text)
    return Page(
        text=text, chunks=len(split_text(text)),
        page=int(page[1]) if page else 0, pages=int(page[2]) if page else 0,
        numbers=[int(m[1]) for m in ROW.finditer(text)], nips=[m[2] for m in ROW.finditer(text)],
        buttons=[b.data for row in out.reply.buttons for b in row],
        count=(int(count[1]), int(count[2])) if count else None,
    )


def parse_counts(catalogs: Catalogs, messages: list[Outgoing]) -> Counts:
    out, text = one_message(catalogs, messages)
    header = COUNTS_HEADER.search(text)
    found = UNIT_COUNT.findall(text)
    return Counts(
        text=text, chunks=len(split_text(text)),
        header=(int(header[1]), int(header[2])) if header else None,
        units={name: (int(done), int(total), int(pending)) for name, done, total, pending in found},
        lines=len(found),
        buttons={b.data: catalogs.render(b.text, out.lang) for row in out.reply.buttons for b in row},
    )


async def timed(work: Awaitable[T]) -> tuple[T, float]:
    """Await `work` (a coroutine does nothing until then) and time it in ms."""
    t0 = time.perf_counter()
    result = await work
    return result, (time.perf_counter() - t0) * 1000


async def time_command(caller: Caller, catalogs: Catalogs, role: Role, runs: int) -> list[Outgoing]:
    command = CommandReceived("belum_isi", STAGE)
    for _ in range(2):  # warm-up: statement caches, page cache
        await caller.handle(command)
    first: list[Outgoing] = []
    for _ in range(runs):
        first, ms = await timed(caller.handle(command))
        role.handle_ms.append(ms)
        t0 = time.perf_counter()
        for out in first:
            split_text(reply_text(catalogs, out.reply, out.lang))
        role.render_ms.append((time.perf_counter() - t0) * 1000)
    return first


async def walk(caller: Caller, catalogs: Catalogs, role: Role, first: Page, unit: int) -> list[Page]:
    """Every further page, with the buttons' data as the list's own next-page button carries it."""
    pages = [first]
    for p in range(1, first.pages):
        messages, ms = await timed(caller.handle(ChoicePicked(f"bi:{STAGE}:{p}:{unit}:{PROGRAM}")))
        role.next_ms.append(ms)
        pages.append(parse_page(catalogs, messages))
    return pages


async def measure_pic(bina: Bina, catalogs: Catalogs, role: Role, runs: int) -> list[Page]:
    caller = Caller(bina, role.telegram_id)
    role.scope = await caller.scope()
    first = await time_command(caller, catalogs, role, runs)
    for _ in range(runs):
        async with bina.db.transaction() as s:
            _, ms = await timed(repo.not_completed(s, role.scope, PROGRAM, STAGE, YEAR))
        role.query_ms.append(ms)
    return await walk(caller, catalogs, role, parse_page(catalogs, first), 0)


async def measure_koordinator(bina: Bina, catalogs: Catalogs, role: Role, runs: int,
                              expected: dict[int, UnitCensus]) -> tuple[Counts, list[Page], int]:
    """The counts view, then one unit opened from its button and walked to
    its last page; returns the counts, the unit's pages and the unit's id."""
    caller = Caller(bina, role.telegram_id)
    role.scope = await caller.scope()
    counts = parse_counts(catalogs, await time_command(caller, catalogs, role, runs))
    rule = bina.specs.programs[PROGRAM].enrolment
    for _ in range(runs):  # what the counts view reads: every person's forms of the year
        async with bina.db.transaction() as s:
            _, ms = await timed(repo.recap_rows(s, role.scope, PROGRAM, YEAR,
                                                everyone=rule.mode == "automatic", flag=rule.flag,
                                                live=[x.value for x in LIVE_ENROLMENTS]))
        role.query_ms.append(ms)

    unit_buttons = {int(m[1]): data for data in counts.buttons if (m := UNIT_BUTTON.match(data))}
    if not unit_buttons:
        role.problems.append("the counts have no unit button to open")
        return counts, [], 0
    # The last unit listed: another list than the PIC's.
    unit = max(unit_buttons, key=lambda u: expected[u].name if u in expected else "")
    role.opened = expected[unit].name if unit in expected else f"unit {unit}"
    press = ChoicePicked(unit_buttons[unit])
    await caller.handle(press)  # warm-up
    opened: list[Outgoing] = []
    for _ in range(runs):
        opened, ms = await timed(caller.handle(press))
        role.open_ms.append(ms)
    return counts, await walk(caller, catalogs, role, parse_page(catalogs, opened), unit), unit


# --- checking -----------------------------------------------------------------------------------


def check_pages(role: Role, pages: list[Page], unit: int, expected: UnitCensus, what: str) -> None:
    """A unit kerja's list: its count line, every page within the limit, the
    rows numbered on from page to page, the next/previous buttons (carrying
    `unit`), and all pages together listing exactly its pending people."""
    first = pages[0]
    problems = role.problems
    pending, total = len(expected.pending), expected.total
    if f"unit kerja {expected.name}" not in first.text:
        problems.append(f"{what}: the header does not name unit kerja {expected.name}")
    if first.count != (pending, total):
        problems.append(f"{what}: count line {first.count}, expected {(pending, total)}")
    if first.page != 1:
        problems.append(f"{what}: the first reply shows page {first.page}")
    for pg in pages:
        if len(pg.text) > TELEGRAM_LIMIT or pg.chunks != 1:
            problems.append(f"{what} page {pg.page}: {len(pg.text)} characters, {pg.chunks} chunks")
        if pg.pages != first.pages:
            problems.append(f"{what} page {pg.page}: says {pg.pages} pages, first said {first.pages}")
        if not pg.numbers:
            problems.append(f"{what} page {pg.page}: no rows")
            continue
        if pg.numbers != list(range(pg.numbers[0], pg.numbers[0] + len(pg.numbers))):
            problems.append(f"{what} page {pg.page}: row numbers not consecutive")
        nxt = f"bi:{STAGE}:{pg.page}:{unit}:{PROGRAM}"  # the next page is index page (0-based page + 1)
        prev = f"bi:{STAGE}:{pg.page - 2}:{unit}:{PROGRAM}"
        if (pg.page < pg.pages) != (nxt in pg.buttons):
            problems.append(f"{what} page {pg.page}/{pg.pages}: next button wrong")
        if (pg.page > 1) != (prev in pg.buttons):
            problems.append(f"{what} page {pg.page}/{pg.pages}: previous button wrong")
    if [pg.page for pg in pages] != list(range(1, first.pages + 1)):
        problems.append(f"{what}: pressing the page buttons showed pages {[pg.page for pg in pages][:10]}...")
    for before, after in itertools.pairwise(pages):
        if before.numbers and after.numbers and after.numbers[0] != before.numbers[-1] + 1:
            problems.append(f"{what} page {after.page} starts at row {after.numbers[0]}, "
                            f"page {before.page} ended at {before.numbers[-1]}")
    last = pages[-1]
    if last.numbers and last.numbers[-1] != pending:
        problems.append(f"{what}: last page ends at row {last.numbers[-1]}, expected {pending}")
    nips = [n for pg in pages for n in pg.nips]
    if len(nips) != pending or set(nips) != expected.pending:
        problems.append(f"{what}: all pages list {len(nips)} rows ({len(set(nips))} distinct, "
                        f"{len(set(nips) - expected.pending)} not pending there), expected {pending}")


def check_counts(role: Role, counts: Counts, expected: dict[int, UnitCensus]) -> None:
    """One message; a count line per unit kerja of the unit utama with the
    database's numbers; the header's sum; a button per unit with pending
    people, and Kirim ke PIC."""
    problems = role.problems
    assert role.scope is not None
    mine = {u: c for u, c in expected.items() if c.parent_id == role.scope.unit_id}
    if len(counts.text) > TELEGRAM_LIMIT or counts.chunks != 1:
        problems.append(f"counts: {len(counts.text)} characters, {counts.chunks} chunks")
    if counts.lines != len(mine) or len(counts.units) != len(mine):
        problems.append(f"counts: {counts.lines} count lines ({len(counts.units)} units), "
                        f"expected {len(mine)}")
    for c in mine.values():
        shown = counts.units.get(c.name)
        want = (c.done, c.total, len(c.pending))
        if shown != want:
            problems.append(f"counts: {c.name} shows {shown}, expected {want} (done, total, pending)")
    strangers = set(counts.units) - {c.name for c in mine.values()}
    if strangers:
        problems.append(f"counts: units outside the scope shown: {sorted(strangers)}")
    done, total = sum(c.done for c in mine.values()), sum(c.total for c in mine.values())
    if counts.header != (done, total):
        problems.append(f"counts: header says {counts.header}, expected {(done, total)}")
    unit_buttons = {int(m[1]): label for data, label in counts.buttons.items()
                    if (m := UNIT_BUTTON.match(data))}
    wanted = {u for u, c in mine.items() if c.pending}
    if set(unit_buttons) != wanted:
        extra, missing = sorted(set(unit_buttons) - wanted), sorted(wanted - set(unit_buttons))
        problems.append(f"counts: unit buttons for {len(unit_buttons)} units, expected {len(wanted)} "
                        f"(extra {extra}, missing {missing})")
    for u, label in unit_buttons.items():
        if u in mine and label != f"{mine[u].name} ({len(mine[u].pending)})":
            problems.append(f"counts: button {label!r} for {mine[u].name}")
    send = f"kp:{STAGE}:{role.scope.unit_id}:{PROGRAM}"
    if (done < total) != (send in counts.buttons):
        problems.append(f"counts: Kirim ke PIC button ({send}) {'missing' if done < total else 'shown'}")


# --- reporting ----------------------------------------------------------------------------------


def report_pic(role: Role, pages: list[Page]) -> None:
    first = pages[0]
    print(f"\n{role.name} ({role.scope.kind if role.scope else '?'} scope)")
    print(f"  reply: {first.count[0] if first.count else '?'} of {first.count[1] if first.count else '?'} "
          f"pending, {first.pages} pages, {len(first.numbers)} rows on page 1; all pages checked, "
          f"longest {max(len(p.text) for p in pages)} characters (limit {TELEGRAM_LIMIT})")
    print(f"  /belum_isi {STAGE} via Bina.handle: median {median(role.handle_ms):.1f} ms "
          f"(min {min(role.handle_ms):.1f}, max {max(role.handle_ms):.1f}; {len(role.handle_ms)} runs)")
    print(f"  rendering the reply to text: median {median(role.render_ms):.1f} ms")
    print(f"  repo.not_completed alone: median {median(role.query_ms):.1f} ms "
          f"(the command is {median(role.handle_ms) / max(median(role.query_ms), 1e-9):.1f}x it)")
    print(f"  next-page presses (ChoicePicked bi:{STAGE}:n:0): {len(role.next_ms)}, "
          f"median {median(role.next_ms):.1f} ms")
    for p in role.problems[:10]:
        print(f"  PROBLEM {p}")


def report_koordinator(role: Role, counts: Counts, pages: list[Page], unit: int) -> None:
    print(f"\n{role.name} ({role.scope.kind if role.scope else '?'} scope)")
    header = f"{counts.header[0]} of {counts.header[1]}" if counts.header else "?"
    print(f"  counts: {header} done, {counts.lines} unit lines, "
          f"{sum(1 for d in counts.buttons if UNIT_BUTTON.match(d))} unit buttons, "
          f"{len(counts.text)} characters (limit {TELEGRAM_LIMIT})")
    print(f"  /belum_isi {STAGE} via Bina.handle: median {median(role.handle_ms):.1f} ms "
          f"(min {min(role.handle_ms):.1f}, max {max(role.handle_ms):.1f}; {len(role.handle_ms)} runs)")
    print(f"  rendering the reply to text: median {median(role.render_ms):.1f} ms")
    print(f"  repo.recap_rows alone (what the counts read): median {median(role.query_ms):.1f} ms "
          f"(the command is {median(role.handle_ms) / max(median(role.query_ms), 1e-9):.1f}x it)")
    if pages:
        first = pages[0]
        print(f"  {role.opened} opened from its button (ChoicePicked bi:{STAGE}:0:{unit}): "
              f"median {median(role.open_ms):.1f} ms ({len(role.open_ms)} runs); "
              f"{first.count[0] if first.count else '?'} of {first.count[1] if first.count else '?'} "
              f"pending, {first.pages} pages, all checked")
        print(f"  its next-page presses (ChoicePicked bi:{STAGE}:n:{unit}): {len(role.next_ms)}, "
              f"median {median(role.next_ms):.1f} ms")
    for p in role.problems[:10]:
        print(f"  PROBLEM {p}")


async def main_async(args: argparse.Namespace, url: str) -> None:
    db = Database(url)
    timings = await seed(db, args.other_employees)
    employees = UNITS * PER_UNIT + args.other_employees
    print(f"seeded {employees} employees: parse_rows {timings['parse_rows']:.1f} s, "
          f"repo.upsert_roster {timings['upsert_roster']:.1f} s, "
          f"links + submissions (core bulk insert) {timings['submissions']:.1f} s")
    async with db.transaction() as s:
        by_status = dict((await s.execute(
            select(Submission.status, func.count()).group_by(Submission.status)
        )).all())
    print(f"submissions for {STAGE} {YEAR}: {by_status} "
          f"({sum(by_status.values()) / employees:.0%} of employees)")
    expected = await census(db)

    bina = Bina(db, load_specs(programs=list(DEFAULT_PROGRAMS)), fixed_clock)
    tune_gc()  # as `bina run` does once started
    catalogs = Catalogs()
    pic = Role("PIC", PIC_TG, TARGET_PIC_MS)
    koor = Role("koordinator", KOOR_TG, TARGET_KOORDINATOR_MS)

    with GcWatch() as watch:
        pages = await measure_pic(bina, catalogs, pic, args.runs)
    assert pic.scope is not None and pic.scope.unit_id is not None
    check_pages(pic, pages, 0, expected[pic.scope.unit_id], "PIC list")
    report_pic(pic, pages)
    print(f"  {watch.summary()}")

    with GcWatch() as watch:
        counts, unit_pages, unit = await measure_koordinator(bina, catalogs, koor, args.runs, expected)
    assert koor.scope is not None
    check_counts(koor, counts, expected)
    if unit_pages:
        if unit not in expected or expected[unit].parent_id != koor.scope.unit_id:
            koor.problems.append(f"a unit button opens unit {unit}, not a unit kerja of the unit utama")
        else:
            check_pages(koor, unit_pages, unit, expected[unit], f"{koor.opened} list")
    report_koordinator(koor, counts, unit_pages, unit)
    print(f"  {watch.summary()}")
    await db.dispose()

    print(f"\nmachine at the end: {machine()}")
    print("\n== targets ==")
    for role, what in ((pic, "list"), (koor, "counts per unit kerja")):
        med = median(role.handle_ms)
        print(f"{verdict(med <= role.target_ms)}  {role.name}: /belum_isi {STAGE} ({what}) "
              f"median {med:.1f} ms (target <= {role.target_ms:.0f} ms)")
    if koor.open_ms:
        med = median(koor.open_ms)
        print(f"{verdict(med <= TARGET_OPEN_UNIT_MS)}  koordinator: a unit's list opened from the counts "
              f"median {med:.1f} ms (target <= {TARGET_OPEN_UNIT_MS:.0f} ms)")
    print(f"{verdict(not pic.problems)}  PIC: pages within {TELEGRAM_LIMIT} characters, rows and "
          f"next/previous buttons correct ({len(pic.problems)} problems)")
    print(f"{verdict(not koor.problems)}  koordinator: one message within {TELEGRAM_LIMIT} characters, "
          f"counts per unit as in the database, unit buttons, the opened unit's pages correct "
          f"({len(koor.problems)} problems)")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--runs", type=int, default=10, help="timed runs per view (default 10)")
    parser.add_argument("--other-employees", type=int, default=2_000,
                        help="employees of a second unit utama, outside both scopes (default 2000)")
    args = parser.parse_args()
    run_bench(args, lambda url, _: main_async(args, url))


if __name__ == "__main__":
    main()
