"""Reminder tick at a quarter opening for a whole instansi.

Seeds an instansi (default 100,000 employees: 10 unit utama in WIB, WITA
and WIT, 200 unit kerja with a head who coaches the unit and a PIC, a
koordinator per unit utama, 80 % linked to Telegram, 70 % with the Rencana
done), then runs the tick of 1 April 09:00 WIB, when Check-in 1 opens and
the Rencana is overdue for the rest: every due row computed and queued.
A second tick the same day must queue nothing: on the replica that ran the
first (which remembers the keys it saw queued) and on another one.
Targets: first tick <= 10 s, second <= 3 s. The same-run reference is a plain bulk INSERT of as many
rows into a scratch table, the floor of any tick that queues them.

    python bench/reminder_tick.py [--employees 100000] [--db postgresql+asyncpg://.../empty_db]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import _common  # noqa: F401  (puts the checkout first on sys.path)
from _common import arguments, machine, nip, peak_rss_mb, person_name, run_bench, verdict
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, text

from bot.reminding import Known, due_now, tick
from flows.program import Status
from flows.spec import DEFAULT_PROGRAMS, load_specs
from storage.db import Database
from storage.models import Employee, Submission, Unit

ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
AT = datetime(2026, 4, 1, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)
TARGET_FIRST_S, TARGET_SECOND_S = 10.0, 3.0


async def seed(db: Database, employees: int) -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    utama, kerja = 10, 200
    per_unit = employees // kerja
    rng = random.Random(2026)
    async with db.transaction() as s:
        await s.execute(insert(Unit), [{"id": u + 1, "name": f"Unit Utama {u + 1:02d}", "parent_id": None,
                                        "timezone": ZONES[u % 3]} for u in range(utama)])
        await s.execute(insert(Unit), [{"id": 100 + k, "name": f"Unit Kerja {k + 1:03d}",
                                        "parent_id": k % utama + 1, "timezone": None} for k in range(kerja)])
        rows: list[dict[str, Any]] = []
        for i in range(employees):
            k = min(i // per_unit, kerja - 1)
            head = k * per_unit + 1
            roles = "koordinator" if i == k * per_unit and k < utama else "pic" if i == head + 1 else ""
            rows.append({
                "id": i + 1, "nip": nip(i), "nama": person_name(i), "jabatan": "Analis",
                "pangkat_golongan": "",
                "unit_id": 100 + k, "atasan_id": None if i + 1 == head else head, "roles": roles, "flags": "",
                "muted": "", "telegram_id": 1_000_000 + i if rng.random() < 0.8 else None,
                "created_at": now, "updated_at": now,
            })
        for chunk in range(0, len(rows), 5000):
            await s.execute(insert(Employee), rows[chunk:chunk + 5000])
        subs = [{"employee_id": r["id"], "program": "kemenkes_tetap", "activity": "rencana", "year": 2026,
                 "occurrence": 0, "form_id": "rencana_pengembangan", "spec_version": 3, "answers": {},
                 "cursor": 0, "status": Status.CONFIRMED.value, "late": False, "created_at": now,
                 "updated_at": now} for r in rows if rng.random() < 0.7]
        for chunk in range(0, len(subs), 5000):
            await s.execute(insert(Submission), subs[chunk:chunk + 5000])


async def reference_insert(db: Database, count: int) -> float:
    """A plain bulk INSERT of `count` rows like the outbox's, into a scratch table."""
    scratch = Table("bench_scratch", MetaData(), Column("id", Integer, primary_key=True),
                    Column("key", String(200)), Column("kind", String(64)), Column("payload", String(400)))
    async with db.engine.begin() as conn:
        await conn.run_sync(scratch.create)
    rows = [{"key": f"{i}:stage_window.open:kemenkes_tetap:checkin1@2026", "kind": "stage_window.open",
             "payload": '{"lines": [{"key": "reminder.stage_open", "params": {}}], "buttons": []}'}
            for i in range(count)]
    t0 = time.perf_counter()
    async with db.transaction() as s:
        for chunk in range(0, count, 500):
            await s.execute(insert(scratch), rows[chunk:chunk + 500])
    elapsed = time.perf_counter() - t0
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP TABLE bench_scratch"))
    return elapsed


async def main_async(args: argparse.Namespace, url: str) -> None:
    db = Database(url)
    specs = load_specs(programs=list(DEFAULT_PROGRAMS))
    t0 = time.perf_counter()
    await seed(db, args.employees)
    print(f"seeded {args.employees:,} employees in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    due = await due_now(db, specs, AT)
    policy_only = time.perf_counter() - t0
    known = Known()  # what `bina run` carries from one tick to the next
    t0 = time.perf_counter()
    first = await tick(db, specs, AT, known=known)
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    second = await tick(db, specs, AT + timedelta(minutes=5), known=known)
    second_s = time.perf_counter() - t0
    t0 = time.perf_counter()  # another replica, or this one just restarted: no memory of the last tick
    cold = await tick(db, specs, AT + timedelta(minutes=10))
    cold_s = time.perf_counter() - t0
    reference = await reference_insert(db, first.queued)
    await db.dispose()

    kinds = Counter(r.kind for r in first.due)
    print(f"tick at {AT.astimezone(ZoneInfo('Asia/Jakarta')):%Y-%m-%d %H:%M} WIB: {len(first.due):,} due")
    for kind, n in sorted(kinds.items()):
        print(f"  {kind:<30} {n:>9,}")
    print(f"read + policy alone (no queueing): {policy_only:.2f} s for {len(due):,} reminders")
    print(f"same-run reference: plain bulk INSERT of {first.queued:,} rows: {reference:.2f} s")
    print(f"\nmachine at the end: {machine()}")
    print("\n== targets ==")
    print(f"{verdict(first_s <= TARGET_FIRST_S)}  first tick: {first.queued:,} rows queued "
          f"in {first_s:.2f} s "
          f"(target <= {TARGET_FIRST_S:.0f} s; {first_s / reference:.1f}x the plain INSERT)")
    print(f"{verdict(second_s <= TARGET_SECOND_S and second.queued == 0)}  second tick the same day: "
          f"{second.queued} rows queued in {second_s:.2f} s (target 0 rows in <= {TARGET_SECOND_S:.0f} s)")
    print(f"{verdict(cold_s <= TARGET_SECOND_S and cold.queued == 0)}  the same on a replica that did not "
          f"run the first: {cold.queued} rows queued in {cold_s:.2f} s (every key asked of the database)")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--employees", type=int, default=100_000)
    args = parser.parse_args()
    run_bench(args, lambda url, _: main_async(args, url))


if __name__ == "__main__":
    main()
