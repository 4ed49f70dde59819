"""`/belum_isi rencana` over a large organisation, end to end through Bina.handle.

A unit utama of 20,000 employees over 10 unit kerja of 2,000 (the PIC's is the
first), plus a second unit utama that neither should see; about 30% have a
confirmed or draft Rencana submission for 2026. Times the command for the PIC
(unit kerja scope) and the koordinator (unit utama scope), the storage query
alone, and checks the replies: every message within Telegram's 4096
characters, the page count, and the next-page buttons.

    /tmp/venv/bin/python bench/belum_isi.py [--runs 10] [--other-employees 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from _common import (
    NOW,
    GcWatch,
    Spec,
    bench_database,
    fixed_clock,
    machine,
    median,
    next_id,
    peak_rss_mb,
    quiet_logging,
    roster,
    verdict,
)
from sqlalchemy import func, insert, select

from bot.core import Bina
from bot.i18n import Catalogs
from bot.render import TELEGRAM_LIMIT, reply_text, split_text
from bot.runner import tune_gc
from bot.turn import Outgoing, Sender
from flows.access import Scope, monitoring_scope
from flows.events import ChoicePicked, CommandReceived, Event
from flows.program import Status
from flows.spec import DEFAULT_PROGRAMS, load_specs
from storage import repo
from storage.db import Database
from storage.models import Employee, Submission, Unit

TARGET_PIC_MS = 50.0
TARGET_KOORDINATOR_MS = 500.0

PROGRAM, STAGE, YEAR, FORM = "kemenkes_tetap", "rencana", 2026, "rencana_pengembangan"
UNIT_UTAMA = "Direktorat Jenderal Pelayanan Kesehatan"
OTHER_UTAMA = "Sekretariat Jenderal"
UNITS, PER_UNIT = 10, 2_000
PIC_TG, KOOR_TG = 900_001, 900_002
ROW = re.compile(r"^(\d+)\. (\d{18}) — ", re.MULTILINE)
T = TypeVar("T")
PAGE = re.compile(r"Halaman (\d+)/(\d+)")
COUNT = re.compile(r"(\d+) dari (\d+) pegawai belum selesai")


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
class Role:
    name: str
    telegram_id: int
    target_ms: float
    scope: Scope | None = None
    handle_ms: list[float] = field(default_factory=list)
    render_ms: list[float] = field(default_factory=list)
    query_ms: list[float] = field(default_factory=list)
    next_ms: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_page(catalogs: Catalogs, messages: list[Outgoing]) -> Page:
    assert len(messages) == 1, f"expected one message, got {len(messages)}"
    out = messages[0]
    text = reply_text(catalogs, out.reply, out.lang)
    page = PAGE.search(text)
    count = COUNT.search(text)
    return Page(
        text=text, chunks=len(split_text(text)),
        page=int(page[1]) if page else 0, pages=int(page[2]) if page else 0,
        numbers=[int(m[1]) for m in ROW.finditer(text)], nips=[m[2] for m in ROW.finditer(text)],
        buttons=[b.data for row in out.reply.buttons for b in row],
        count=(int(count[1]), int(count[2])) if count else None,
    )


async def timed(work: Awaitable[T]) -> tuple[T, float]:
    """Await `work` (a coroutine does nothing until then) and time it in ms."""
    t0 = time.perf_counter()
    result = await work
    return result, (time.perf_counter() - t0) * 1000


async def measure(bina: Bina, catalogs: Catalogs, role: Role, runs: int, walk_all: bool) -> list[Page]:
    sender = Sender(role.telegram_id, role.telegram_id, "id")

    async def handle(event: Event) -> list[Outgoing]:
        return (await bina.handle(next_id(), sender, event)).messages

    async with bina.db.transaction() as s:
        person = await repo.person_by_telegram(s, role.telegram_id)
    assert person is not None
    role.scope = monitoring_scope(person.roles, person.unit_id, person.unit_utama_id)
    assert role.scope is not None

    command = CommandReceived("belum_isi", STAGE)
    for _ in range(2):  # warm-up: statement caches, page cache
        await handle(command)
    first: list[Outgoing] = []
    for _ in range(runs):
        first, ms = await timed(handle(command))
        role.handle_ms.append(ms)
        t0 = time.perf_counter()
        for out in first:
            split_text(reply_text(catalogs, out.reply, out.lang))
        role.render_ms.append((time.perf_counter() - t0) * 1000)
    for _ in range(runs):
        async with bina.db.transaction() as s:
            _, ms = await timed(repo.not_completed(s, role.scope, PROGRAM, STAGE, YEAR))
        role.query_ms.append(ms)

    pages = [parse_page(catalogs, first)]
    total_pages = pages[0].pages
    if walk_all:
        wanted = list(range(1, total_pages))
    else:  # the second page, one in the middle, the last
        wanted = sorted({p for p in (1, total_pages // 2, total_pages - 1) if 0 < p < total_pages})
    for p in wanted:
        messages, ms = await timed(handle(ChoicePicked(f"bi:{STAGE}:{p}")))
        role.next_ms.append(ms)
        pages.append(parse_page(catalogs, messages))
    return pages


def check(role: Role, pages: list[Page], expected_pending: int, expected_total: int, walk_all: bool) -> None:
    first = pages[0]
    problems = role.problems
    if first.count != (expected_pending, expected_total):
        problems.append(f"count line {first.count}, expected {(expected_pending, expected_total)}")
    for pg in pages:
        if len(pg.text) > TELEGRAM_LIMIT or pg.chunks != 1:
            problems.append(f"page {pg.page}: {len(pg.text)} characters, {pg.chunks} chunks")
        if pg.pages != first.pages:
            problems.append(f"page {pg.page}: says {pg.pages} pages, first said {first.pages}")
        if not pg.numbers:
            problems.append(f"page {pg.page}: no rows")
            continue
        if pg.numbers != list(range(pg.numbers[0], pg.numbers[0] + len(pg.numbers))):
            problems.append(f"page {pg.page}: row numbers not consecutive")
        nxt = f"bi:{STAGE}:{pg.page}"  # the next page is index page (0-based page + 1)
        prev = f"bi:{STAGE}:{pg.page - 2}"
        if (pg.page < pg.pages) != (nxt in pg.buttons):
            problems.append(f"page {pg.page}/{pg.pages}: next button wrong")
        if (pg.page > 1) != (prev in pg.buttons):
            problems.append(f"page {pg.page}/{pg.pages}: previous button wrong")
    if len(pages) > 1 and pages[1].page != 2:
        problems.append(f"pressing bi:{STAGE}:1 showed page {pages[1].page}")
    if len(pages) > 1 and pages[1].numbers and pages[1].numbers[0] != first.numbers[-1] + 1:
        problems.append(f"page 2 starts at row {pages[1].numbers[0]}, page 1 ended at {first.numbers[-1]}")
    last = pages[-1]
    if last.page == last.pages and last.numbers and last.numbers[-1] != expected_pending:
        problems.append(f"last page ends at row {last.numbers[-1]}, expected {expected_pending}")
    if walk_all:
        nips = [n for pg in pages for n in pg.nips]
        if len(nips) != expected_pending or len(set(nips)) != len(nips):
            problems.append(f"all pages list {len(nips)} rows ({len(set(nips))} distinct), "
                            f"expected {expected_pending}")


async def expected_counts(db: Database, scope: Scope) -> tuple[int, int]:
    """Pending and total in scope, counted independently of repo.not_completed."""
    async with db.transaction() as s:
        people = (await s.execute(select(Employee.id, Employee.unit_id))).all()
        units = dict((await s.execute(select(Unit.id, Unit.parent_id))).all())
        confirmed = set((await s.execute(select(Submission.employee_id).where(
            Submission.program == PROGRAM, Submission.activity == STAGE, Submission.year == YEAR,
            Submission.status == Status.CONFIRMED.value,
        ))).scalars())
    if scope.kind == "unit_kerja":
        inside = [e for e, u in people if u == scope.unit_id]
    else:
        inside = [e for e, u in people if units[u] == scope.unit_id]
    return sum(e not in confirmed for e in inside), len(inside)


def report(role: Role, pages: list[Page], walk_all: bool) -> None:
    first = pages[0]
    longest = max(len(p.text) for p in pages)
    print(f"\n{role.name} ({role.scope.kind if role.scope else '?'} scope)")
    print(f"  reply: {first.count[0] if first.count else '?'} of {first.count[1] if first.count else '?'} "
          f"pending, {first.pages} pages, {len(first.numbers)} rows on page 1; "
          f"{'all' if walk_all else len(pages)} pages checked, longest {longest} characters "
          f"(limit {TELEGRAM_LIMIT})")
    print(f"  /belum_isi {STAGE} via Bina.handle: median {median(role.handle_ms):.1f} ms "
          f"(min {min(role.handle_ms):.1f}, max {max(role.handle_ms):.1f}; {len(role.handle_ms)} runs)")
    print(f"  rendering the reply to text: median {median(role.render_ms):.1f} ms")
    print(f"  repo.not_completed alone: median {median(role.query_ms):.1f} ms")
    print(f"  next-page presses (ChoicePicked bi:{STAGE}:n): {len(role.next_ms)}, "
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

    bina = Bina(db, load_specs(programs=list(DEFAULT_PROGRAMS)), fixed_clock)
    tune_gc()  # as `bina run` does once started
    catalogs = Catalogs()
    roles = [Role("PIC", PIC_TG, TARGET_PIC_MS), Role("koordinator", KOOR_TG, TARGET_KOORDINATOR_MS)]
    for role in roles:
        walk_all = role.name == "PIC"
        with GcWatch() as watch:
            pages = await measure(bina, catalogs, role, args.runs, walk_all)
        assert role.scope is not None
        pending, total = await expected_counts(db, role.scope)
        check(role, pages, pending, total, walk_all)
        report(role, pages, walk_all)
        print(f"  {watch.summary()}")
    await db.dispose()

    print(f"\nmachine at the end: {machine()}")
    print("\n== targets ==")
    for role in roles:
        med = median(role.handle_ms)
        print(f"{verdict(med <= role.target_ms)}  {role.name}: /belum_isi {STAGE} median {med:.1f} ms "
              f"(target <= {role.target_ms:.0f} ms)")
        print(f"{verdict(not role.problems)}  {role.name}: replies within {TELEGRAM_LIMIT} characters, "
              f"pages and next-page buttons correct ({len(role.problems)} problems)")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per role (default 10)")
    parser.add_argument("--other-employees", type=int, default=2_000,
                        help="employees of a second unit utama, outside both scopes (default 2000)")
    args = parser.parse_args()
    quiet_logging()
    with bench_database(None) as (url, _):
        asyncio.run(main_async(args, url))


if __name__ == "__main__":
    main()
