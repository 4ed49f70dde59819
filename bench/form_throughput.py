"""Form-filling throughput through the real aiogram Dispatcher.

Every coachee sends /isi, answers the questions of the Rencana
Pengembangan form (date by the "Hari ini" button, choices by their first
option button, text by typing; one RHK row, so "Tidak" to "Tambah baris
lagi") and presses Kirim: 19 updates per person for today's 17 questions.
The question count is taken from the spec (flows.form_view.questions).
Telegram is a local stand-in; the Bot, the Dispatcher, our routers, Bina and
the database are the real ones.

Measured: (a) one person at a time, (b) every person at once, (c) peak RSS,
(d) two references in the same run over the same update mix: the bare
Dispatcher with a trivial handler, and the same plus one ORM read and write
of a small state row per update.

    /tmp/venv/bin/python bench/form_throughput.py [--users 500] [--single-users 50] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import (
    NOW,
    GcWatch,
    LeanSession,
    Spec,
    arguments,
    callback_update,
    fixed_clock,
    machine,
    message_update,
    pct,
    peak_rss_mb,
    roster,
    rss_mb,
    run_bench,
    verdict,
)
from aiogram import Bot, Dispatcher, Router
from aiogram.types import CallbackQuery, Message
from sqlalchemy import BigInteger, DateTime, Integer, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.core import Bina
from bot.i18n import Catalogs
from bot.runner import tune_gc
from bot.telegram import build_dispatcher
from flows.callbacks import FormAction, unpack
from flows.form_view import Question, questions
from flows.spec import DEFAULT_PROGRAMS, load_specs
from storage import repo
from storage.db import Database, is_sqlite
from storage.models import Employee, Submission

TARGET_STEPS_PER_S = 200.0
TARGET_SINGLE_P95_MS = 10.0
TARGET_BURST_P95_S = 3.0
TARGET_RSS_MB = 250.0

PROGRAM_ID, ACTIVITY_ID = "kemenkes_tetap", "rencana"
TG_BASE = 7_000_000_000  # telegram ids of coachees: TG_BASE + index
COACH_TG = TG_BASE - 1
ANSWER = ("Menyusun laporan capaian kinerja triwulan dan menindaklanjuti hasil evaluasi "
          "bersama atasan langsung agar target tahunan tercapai.")
QUESTION = re.compile(r"Pertanyaan (\d+)/(\d+)")
MORE_ROWS = re.compile(r"Tambah baris lagi untuk")
NO = "Tidak"  # the button that declines another row
MAX_STEPS = 40  # per person; the walk takes 19


# --- driving one person -------------------------------------------------------------


@dataclass
class Walk:
    latencies: list[float] = field(default_factory=list)
    unanswered: int = 0
    errors: list[str] = field(default_factory=list)
    submitted: bool = False
    next_question: int = 1  # the place in the walk (the row question takes one)
    number: int = 1  # the number the next question shows (the row question has none)


class Bench:
    def __init__(self, db: Database) -> None:
        self.session = LeanSession()
        self.bot = Bot("42:BENCH", session=self.session)
        # The programs `bina run` serves unless BINA_PROGRAMS says otherwise.
        self.bina = Bina(db, load_specs(programs=list(DEFAULT_PROGRAMS)), fixed_clock)
        self.dp = build_dispatcher(self.bina, Catalogs())
        self.total_questions = len([q for q in asked(self.bina) if not q.more])

    async def feed(self, update: dict[str, Any]) -> None:
        await self.dp.feed_raw_update(self.bot, update)

    def next_update(self, tg: int, walk: Walk) -> dict[str, Any] | None:
        """Decide the person's next move from the last message they got."""
        last = self.session.last.get(tg)
        if last is None:
            walk.errors.append("no message")
            return None
        buttons = self.session.last_keyboard.get(tg, {})
        send = [d for label, d in buttons.items() if "Kirim" in label]
        if send and "Ringkasan" in last.text:
            return callback_update(tg, send[0])
        if MORE_ROWS.search(last.text):
            # "One more row?" has no number of its own but takes a place in the count.
            no = buttons.get(NO, "")
            cb = unpack(no)
            if not isinstance(cb, FormAction) or cb.cursor + 1 != walk.next_question:
                at = cb.cursor + 1 if isinstance(cb, FormAction) else "?"
                walk.errors.append(f"more rows asked at {at}, expected question {walk.next_question}")
                return None
            walk.next_question += 1
            return callback_update(tg, no)
        m = QUESTION.search(last.text)
        if m is None:
            walk.errors.append(f"unexpected reply: {last.text[:80]!r}")
            return None
        n, total = int(m[1]), int(m[2])
        if n != walk.number or total != self.total_questions:
            walk.errors.append(f"asked {n}/{total}, expected {walk.number}/{self.total_questions}")
            return None
        walk.next_question += 1
        walk.number += 1
        today = [d for label, d in buttons.items() if label.startswith("Hari ini")]
        if today:
            return callback_update(tg, today[0])
        first_option = [d for d in buttons.values() if d.endswith(":o0")]
        if first_option:
            return callback_update(tg, first_option[0])
        return message_update(tg, ANSWER)

    async def walk(self, tg: int) -> Walk:
        walk = Walk()
        update: dict[str, Any] | None = message_update(tg, "/isi")
        pressed_send = False
        for _ in range(MAX_STEPS):
            assert update is not None
            before = self.session.sent_count[tg]
            t0 = time.perf_counter()
            await self.feed(update)
            walk.latencies.append(time.perf_counter() - t0)
            if self.session.sent_count[tg] == before:
                walk.unanswered += 1
            if pressed_send:
                last = self.session.last.get(tg)
                walk.submitted = last is not None and last.text.startswith("📨 Terkirim")
                if not walk.submitted:
                    walk.errors.append(f"after Kirim: {last.text[:80] if last else None!r}")
                return walk
            update = self.next_update(tg, walk)
            if update is None:
                return walk
            pressed_send = "callback_query" in update and update["callback_query"]["data"].endswith(":send")
        walk.errors.append("too many steps")
        return walk


# --- the update mix for the references -------------------------------------------------


def asked(bina: Bina) -> tuple[Question, ...]:
    """The questions of the walk, as the coachee is asked them: with one
    row, the "one more row?" answered no (the same questions as unanswered)."""
    activity = bina.specs.programs[PROGRAM_ID].activity(ACTIVITY_ID)
    spec = bina.specs.forms[activity.form]
    first = questions(spec, {}, "coachee", activity.filled_by)
    no_more = {q.name: "tidak" for q in first if q.more}
    return questions(spec, no_more, "coachee", activity.filled_by)


def update_kinds(bina: Bina) -> list[str]:
    """'m' for a message, 'c' for a button, in the order of one person's walk."""
    kinds = ["m"]  # /isi
    for q in asked(bina):
        kinds.append("c" if q.field.type in ("date", "choice", "yes_no", "commitment") else "m")
    kinds.append("c")  # Kirim
    return kinds


class RefBase(DeclarativeBase):
    pass


class RefState(RefBase):
    __tablename__ = "bench_ref_state"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    step: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def reference_dispatcher(db: Database | None) -> Dispatcher:
    """The bare Dispatcher, optionally with one ORM read and write per update."""
    router = Router(name="reference")

    async def touch(chat_id: int) -> None:
        if db is None:
            return
        async with db.transaction() as s:
            row = await s.get(RefState, chat_id)
            assert row is not None
            row.step += 1
            row.note = f"step {row.step}"
            row.updated_at = NOW

    @router.message()
    async def on_message(message: Message, bot: Bot) -> None:
        await touch(message.chat.id)
        await bot.send_message(message.chat.id, "ok")

    @router.callback_query()
    async def on_callback(query: CallbackQuery, bot: Bot) -> None:
        await query.answer()
        chat_id = query.message.chat.id if query.message else query.from_user.id
        await touch(chat_id)
        await bot.send_message(chat_id, "ok")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


@dataclass
class Run:
    steps: int
    seconds: float
    latencies: list[float]
    unanswered: int = 0
    errors: list[str] = field(default_factory=list)
    completed: int = 0
    cpu: float = 0.0  # the process's CPU seconds (every thread), which waiting does not inflate

    @property
    def rate(self) -> float:
        return self.steps / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_step(self) -> float:
        return 1000 * self.cpu / self.steps if self.steps else 0.0


async def run_reference(db: Database | None, users: list[int], kinds: list[str], burst: bool) -> Run:
    session = LeanSession()
    bot = Bot("42:BENCH", session=session)
    dp = reference_dispatcher(db)

    async def one(tg: int) -> list[float]:
        out = []
        for kind in kinds:
            update = message_update(tg, ANSWER) if kind == "m" else callback_update(tg, "f:1:0:o0")
            t0 = time.perf_counter()
            await dp.feed_raw_update(bot, update)
            out.append(time.perf_counter() - t0)
        return out

    t0, cpu0 = time.perf_counter(), time.process_time()
    if burst:
        per_user = await asyncio.gather(*(one(tg) for tg in users))
    else:
        per_user = [await one(tg) for tg in users]
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    latencies = [x for lat in per_user for x in lat]
    unanswered = sum(max(0, len(kinds) - session.sent_count[tg]) for tg in users)
    return Run(len(latencies), seconds, latencies, unanswered, completed=len(users), cpu=cpu)


async def reference_db(url: str | None, tmp: Path, users: list[int]) -> tuple[Database, Callable[[], Any]]:
    """The state-row table, in a temp SQLite file (or, for a non-SQLite --db, in that database)."""
    if url is None or is_sqlite(url):
        db = Database(f"sqlite+aiosqlite:///{tmp / 'reference.db'}")
    else:
        db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(RefBase.metadata.drop_all)
        await conn.run_sync(RefBase.metadata.create_all)
    async with db.transaction() as s:
        s.add_all(RefState(chat_id=tg, step=0, note="", updated_at=NOW) for tg in users)

    async def cleanup() -> None:
        async with db.engine.begin() as conn:
            await conn.run_sync(RefBase.metadata.drop_all)
        await db.dispose()

    return db, cleanup


# --- our bot -------------------------------------------------------------------------------


async def seed(db: Database, count: int) -> list[int]:
    """One coach and `count` coachees in one unit, all linked; returns the coachees' telegram ids."""
    utama, kerja = "Sekretariat Jenderal", "Biro Organisasi dan SDM"
    specs = [Spec(0, utama, kerja, roles="pic")]
    specs += [Spec(i, utama, kerja, atasan=0) for i in range(1, count + 1)]
    rows = roster(specs)
    async with db.transaction() as s:
        if (await s.execute(select(func.count(Employee.id)))).scalar_one():
            raise SystemExit("the database already has employees; give an empty one (it is migrated here)")
        await repo.upsert_roster(s, rows, NOW)
        ids = {e.nip: e.id for e in (await s.execute(select(Employee))).scalars()}
        for i, row in enumerate(rows):
            await repo.link_telegram(s, ids[row.nip], COACH_TG if i == 0 else TG_BASE + i, "id", NOW)
    return [TG_BASE + i for i in range(1, count + 1)]


async def run_ours(bench: Bench, users: list[int], burst: bool) -> Run:
    t0, cpu0 = time.perf_counter(), time.process_time()
    if burst:
        walks = await asyncio.gather(*(bench.walk(tg) for tg in users))
    else:
        walks = [await bench.walk(tg) for tg in users]
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    latencies = [x for w in walks for x in w.latencies]
    errors = [f"{tg}: {e}" for tg, w in zip(users, walks, strict=True) for e in w.errors]
    return Run(len(latencies), seconds, latencies, sum(w.unanswered for w in walks), errors,
               sum(w.submitted for w in walks), cpu)


async def submitted_count(db: Database) -> int:
    async with db.transaction() as s:
        return int((await s.execute(
            select(func.count(Submission.id)).where(Submission.status == "submitted")
        )).scalar_one())


class RssSampler:
    def __init__(self) -> None:
        self.peak = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb())
            await asyncio.sleep(0.05)

    def __enter__(self) -> RssSampler:
        self._task = asyncio.get_running_loop().create_task(self._loop())
        return self

    def __exit__(self, *exc: object) -> None:
        self.peak = max(self.peak, rss_mb())
        if self._task is not None:
            self._task.cancel()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def describe(name: str, run: Run) -> None:
    print(f"  {name}: {run.steps} updates in {run.seconds:.2f} s = {run.rate:.0f} updates/s; "
          f"latency p50 {ms(pct(run.latencies, 50))}, p95 {ms(pct(run.latencies, 95))}, "
          f"max {ms(max(run.latencies, default=0))}; CPU {run.cpu_ms_per_step:.2f} ms a step")


async def main_async(args: argparse.Namespace, url: str, tmp: Path) -> None:
    db = Database(url)
    t0 = time.perf_counter()
    all_users = await seed(db, args.users + args.single_users + 2)
    warmup, single_users, burst_users = all_users[:2], all_users[2:2 + args.single_users], \
        all_users[2 + args.single_users:]
    print(f"seeded 1 coach + {len(all_users)} coachees ({len(burst_users)} for the burst, "
          f"{len(single_users)} single-stream, 2 warm-up) in {time.perf_counter() - t0:.1f} s")
    bench = Bench(db)
    tune_gc()  # as `bina run` does once started
    kinds = update_kinds(bench.bina)
    print(f"updates per person: {len(kinds)} ({kinds.count('m')} messages, {kinds.count('c')} buttons)")

    for tg in warmup:
        await bench.walk(tg)
    with RssSampler() as sampler:
        print("\n(a) single stream, one person at a time")
        with GcWatch() as gc_single:
            single = await run_ours(bench, single_users, burst=False)
        describe("bina", single)
        print(f"  {gc_single.summary()}")
        print(f"\n(b) burst: {len(burst_users)} people at once, each person's updates in order")
        with GcWatch() as gc_burst:
            burst = await run_ours(bench, burst_users, burst=True)
        describe("bina", burst)
        print(f"  {gc_burst.summary()}")
    submitted = await submitted_count(db)
    coach_notes = bench.session.sent_count[COACH_TG]
    print(f"  forms submitted (all phases, incl. warm-up): {submitted}; "
          f"review notifications to the coach: {coach_notes}")
    print(f"  longest message sent: {bench.session.max_text} characters")
    for label, run in (("single", single), ("burst", burst)):
        for e in run.errors[:5]:
            print(f"  {label} ERROR {e}")
    rss_after = rss_mb()

    print("\n(d) references over the same update mix and the same Telegram stand-in")
    ref_users = all_users
    bare_single = await run_reference(None, ref_users[:len(single_users)], kinds, burst=False)
    bare_burst = await run_reference(None, ref_users[:len(burst_users)], kinds, burst=True)
    describe("bare dispatcher, single stream", bare_single)
    describe("bare dispatcher, burst", bare_burst)
    ref_db, cleanup = await reference_db(args.db, tmp, ref_users)
    try:
        orm_single = await run_reference(ref_db, ref_users[:len(single_users)], kinds, burst=False)
        orm_burst = await run_reference(ref_db, ref_users[:len(burst_users)], kinds, burst=True)
    finally:
        await cleanup()
    describe("dispatcher + ORM read/write, single stream", orm_single)
    describe("dispatcher + ORM read/write, burst", orm_burst)
    await db.dispose()

    peak = max(peak_rss_mb(), sampler.peak)
    single_p95 = pct(single.latencies, 95) * 1000
    burst_p95 = pct(burst.latencies, 95)
    all_answered = burst.unanswered == 0 and single.unanswered == 0
    all_done = burst.completed == len(burst_users) and single.completed == len(single_users) \
        and not burst.errors and not single.errors
    print(f"\nmachine at the end: {machine()}")
    print("\n== targets ==")
    print(f"{verdict(burst.rate >= TARGET_STEPS_PER_S)}  burst throughput {burst.rate:.0f} steps/s "
          f"(target >= {TARGET_STEPS_PER_S:.0f})")
    print(f"{verdict(single.rate >= TARGET_STEPS_PER_S)}  single-stream throughput {single.rate:.0f} steps/s "
          f"(target >= {TARGET_STEPS_PER_S:.0f})")
    print(f"{verdict(single_p95 <= TARGET_SINGLE_P95_MS)}  single-stream p95 {single_p95:.2f} ms "
          f"(target <= {TARGET_SINGLE_P95_MS:.0f} ms)")
    print(f"{verdict(all_answered and all_done)}  burst: every update answered "
          f"({burst.unanswered} unanswered), {burst.completed}/{len(burst_users)} forms sent, "
          f"{len(burst.errors)} flow errors")
    print(f"{verdict(burst_p95 <= TARGET_BURST_P95_S)}  burst p95 {burst_p95:.2f} s "
          f"(target <= {TARGET_BURST_P95_S:.0f} s)")
    print(f"{verdict(peak <= TARGET_RSS_MB)}  peak RSS {peak:.0f} MB (target <= {TARGET_RSS_MB:.0f} MB; "
          f"RSS after the burst {rss_after:.0f} MB)")
    print("ratios (ours / reference, steps/s):")
    print(f"  burst:  {burst.rate / bare_burst.rate:.1%} of bare dispatcher, "
          f"{burst.rate / orm_burst.rate:.1%} of dispatcher + ORM")
    print(f"  single: {single.rate / bare_single.rate:.1%} of bare dispatcher, "
          f"{single.rate / orm_single.rate:.1%} of dispatcher + ORM")
    print(f"CPU a step: single {single.cpu_ms_per_step:.3f} ms, burst {burst.cpu_ms_per_step:.3f} ms")


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--users", type=int, default=500, help="people in the burst (default 500)")
    parser.add_argument("--single-users", type=int, default=50,
                        help="people walked one at a time (default 50)")
    args = parser.parse_args()
    run_bench(args, lambda url, tmp: main_async(args, url, tmp))


if __name__ == "__main__":
    main()
