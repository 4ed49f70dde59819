"""The outbox sender against a Bot API stand-in that enforces Telegram's limits.

The stand-in (tests/botapi_server.py) answers sendMessage with 429 and
retry_after once a message would make more than 30 within any second, or
come less than 1 s after the previous one to the same chat; every
sendMessage takes --latency seconds, like a round trip to Telegram. It runs
in its own thread and event loop, as Telegram runs elsewhere: a pause of the
sender's loop does not move the stand-in's clock. The sender is the one
`bina run` starts (bot.push.make_sender over bot.app.build_app with default
settings: 29 messages/s, 1.05 s per chat, its default batch and
concurrency), running its production loop, OutboxSender.run(), until the
outbox holds no pending or sending row.

(1) --messages notices, one each to as many linked employees: sustained
messages/s at the stand-in ((delivered - 1) / time from the first delivery
to the last, from its call times), 429s, duplicates, rows not sent.
(2) --one-chat notices to one person: the gaps between deliveries, 429s,
the time taken.
(3) References in the same run: the sender's pacing alone (its rate
limiter, nothing sent); then, with the limits off, the same --messages
messages pushed straight through aiogram's Bot.send_message with as many in
flight as the sender allows itself, and the same sender with its pacing off
(rate and per chat), the ceiling of its claim-send-record machinery on this
database. Telegram's own limit is 30/s.

The sender runs on the real clock, as in `bina run` (the fixed clock in the
header is the other benchmarks').

    .venv/bin/python bench/sender.py [--messages 5000] [--one-chat 100] [--latency 0.03] [--quick] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import math
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from _common import arguments, machine, median, pct, peak_rss_mb, run_bench, verdict
from sqlalchemy import func, insert, select

from bot.app import App, build_app
from bot.config import Settings
from bot.push import make_sender
from bot.runner import make_bot, tune_gc
from bot.sender import OutboxSender
from flows.messages import Msg, Reply, reply_to_json
from flows.spec import DEFAULT_PROGRAMS, load_specs
from storage import repo
from storage.db import Database
from storage.models import Employee, OutboxMessage, Unit
from storage.repo.outbox import PENDING, SENDING, SENT, Queued
from tests.botapi_server import BotAPIServer, Call, Limits

TARGET_RATE = 28.0  # messages/s sustained over the many-chats run
TELEGRAM_RATE = 30  # messages/s a bot may send overall
TELEGRAM_PER_CHAT = 1.0  # seconds between two messages to one chat
TOKEN = "123456:BENCH-token"
TG_BASE = 7_000_000  # telegram id of employee i is TG_BASE + i
PROGRAM = "kemenkes_tetap"
PACED_ALONE = 300  # messages through the pacing alone (3)


def now() -> datetime:
    return datetime.now(UTC)


# --- the stand-in, in a thread of its own -------------------------------------------------------


@contextlib.contextmanager
def stand_in(limits: Limits | None, latency: float) -> Iterator[BotAPIServer]:
    """A BotAPIServer serving from its own thread and event loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="bot-api-stand-in", daemon=True)
    thread.start()
    server = BotAPIServer(token=TOKEN, limits=limits, latency=latency)
    asyncio.run_coroutine_threadsafe(server.start(), loop).result()
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def settings_for(url: str, server: BotAPIServer) -> Settings:
    """`bina run`'s settings, defaults only (no environment, no .env), aimed at the stand-in."""
    return Settings.model_validate({"BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": server.url + "/",
                                    "DATABASE_URL": url})


@contextlib.asynccontextmanager
async def production_sender(url: str, server: BotAPIServer, paced: bool = True
                            ) -> AsyncIterator[tuple[App, OutboxSender]]:
    """The sender `bina run` starts; not `paced`: the same with its rate and
    per-chat pacing off (the reference only)."""
    app = build_app(settings_for(url, server))
    bot = make_bot(app.settings)
    sender = make_sender(app, bot)
    if not paced:
        sender = OutboxSender(app.db, bot, app.catalogs, app.bina.clock,
                              default_locale=app.bina.default_locale, rate=None, per_chat=None,
                              relevance=sender.relevance)
    try:
        yield app, sender
    finally:
        await bot.session.close()
        await app.db.dispose()


# --- seeding ------------------------------------------------------------------------------------


async def seed_people(db: Database, count: int) -> list[int]:
    """`count` linked employees (telegram id TG_BASE + i) in one unit, in bulk."""
    at = now()
    async with db.transaction() as s:
        if (await s.execute(select(func.count(Employee.id)))).scalar_one():
            raise SystemExit("the database already has employees; give an empty one (it is migrated here)")
        unit = (await s.execute(insert(Unit).values(name="Biro Umum").returning(Unit.id))).scalar_one()
        await s.execute(insert(Employee), [
            dict(nip=f"1990{i:014d}", nama=f"Pegawai {i:05d}", unit_id=unit, telegram_id=TG_BASE + i,
                 locale="id", roles="", created_at=at, updated_at=at)
            for i in range(count)])
        return list((await s.execute(select(Employee.id).order_by(Employee.telegram_id))).scalars())


def notice(program_title: str, coach: str) -> dict[str, object]:
    """A real notice: the coach approved the pairing (what pairing.py queues)."""
    return reply_to_json(Reply((Msg("pairing.approved_coachee",
                                    {"coach": coach, "program": Msg(program_title)}),)))


async def queue(db: Database, tag: str, recipients: Sequence[int], program_title: str) -> int:
    """One notice per entry of `recipients` (an employee may recur), in one transaction."""
    at = now()
    rows = [Queued(f"bench:{tag}:{i}", employee, "notice", notice(program_title, f"Pembina {tag} {i:05d}"),
                   at) for i, employee in enumerate(recipients)]
    async with db.transaction() as s:
        return await repo.outbox.enqueue(s, rows, at)


async def outbox_counts(db: Database, tag: str) -> dict[str, int]:
    async with db.transaction() as s:
        return {status: int(n) for status, n in (await s.execute(
            select(OutboxMessage.status, func.count()).where(OutboxMessage.key.like(f"bench:{tag}:%"))
            .group_by(OutboxMessage.status))).all()}


# --- running the production loop until the outbox is empty ----------------------------------------


@dataclass
class Run:
    started: float  # time.monotonic() when run() was started
    emptied: float  # ... when the outbox held no pending or sending row of this run
    counts: dict[str, int]  # rows of this run by status, at the end
    delivered: list[Call]  # successful sendMessage calls, in arrival order
    too_many: int
    duplicates: int  # deliveries beyond the first of one (chat, text)
    cpu: float  # CPU seconds of the process (sender and stand-in) over the run
    timed_out: bool

    @property
    def times(self) -> list[float]:
        return [c.at for c in self.delivered]

    @property
    def gaps(self) -> list[float]:
        return [b - a for a, b in itertools.pairwise(self.times)]

    @property
    def span(self) -> float:
        t = self.times
        return t[-1] - t[0] if len(t) > 1 else 0.0

    @property
    def rate(self) -> float:
        return (len(self.delivered) - 1) / self.span if self.span else 0.0

    @property
    def lost(self) -> int:
        return sum(n for status, n in self.counts.items() if status != SENT)

    def busiest_second(self) -> int:
        """Most deliveries within any 1 s, as the stand-in counts them."""
        t, best, first = self.times, 0, 0
        for last, at in enumerate(t):
            while t[first] <= at - 1.0:
                first += 1
            best = max(best, last - first + 1)
        return best


async def run_until_empty(url: str, server: BotAPIServer, sender: OutboxSender, tag: str, expected: int,
                          timeout: float) -> Run:
    """OutboxSender.run() until no row of `tag` is pending or sending (watched
    over a connection of its own), then cancelled."""
    watch = Database(url)
    seen = len(server.calls)
    cpu0 = time.process_time()
    started = time.monotonic()
    task = asyncio.create_task(sender.run())
    timed_out, report_at = False, started + 30
    try:
        while True:
            await asyncio.sleep(0.5)
            if task.done():
                task.result()  # the loop never returns: this raises its error
            counts = await outbox_counts(watch, tag)
            if not counts.get(PENDING) and not counts.get(SENDING):
                break
            t = time.monotonic()
            if t - started > timeout:
                timed_out = True
                break
            if t >= report_at:
                report_at += 30
                done = sum(1 for c in server.calls[seen:] if c.method == "sendMessage" and c.ok)
                print(f"    {t - started:4.0f} s: {done}/{expected} delivered", flush=True)
        emptied = time.monotonic()
        cpu = time.process_time() - cpu0
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    counts = await outbox_counts(watch, tag)
    await watch.dispose()
    calls = [c for c in server.calls[seen:] if c.method == "sendMessage"]
    delivered = [c for c in calls if c.ok]
    texts = [(c.chat_id, c.text) for c in delivered]
    return Run(started, emptied, counts, delivered, sum(1 for c in calls if c.status == 429),
               len(texts) - len(set(texts)), cpu, timed_out)


def describe(run: Run, expected: int) -> None:
    chats = len({c.chat_id for c in run.delivered})
    first, last = (run.times[0] - run.started, run.times[-1] - run.started) if run.delivered else (0.0, 0.0)
    print(f"  {len(run.delivered)} of {expected} delivered to {chats} chats; outbox rows: "
          + ", ".join(f"{n} {status}" for status, n in sorted(run.counts.items()))
          + (" (TIMED OUT)" if run.timed_out else ""))
    print(f"  first delivery {first:.2f} s after start, last {last:.1f} s; "
          f"outbox empty after {run.emptied - run.started:.1f} s")
    print(f"  429 Too Many Requests: {run.too_many}; duplicates: {run.duplicates}; "
          f"lost (rows not sent): {run.lost}")
    print(f"  CPU {run.cpu:.1f} s over {run.emptied - run.started:.1f} s "
          f"({run.cpu / max(len(run.delivered), 1) * 1e3:.2f} ms a message, the stand-in's share included)")


# --- references ---------------------------------------------------------------------------------


async def pacing_alone(sender: OutboxSender, count: int) -> float:
    """Messages/s the sender's own pacing lets through, one chat each, nothing
    sent: its rate limiter on a quiet event loop."""
    await sender._pace(-1)
    t0 = time.perf_counter()
    for chat in range(count):
        await sender._pace(chat)
    return count / (time.perf_counter() - t0)


async def raw_sends(server: BotAPIServer, chats: Sequence[int], in_flight: int,
                    text: str) -> tuple[float, int]:
    """Seconds to send one message to each chat straight through Bot.send_message,
    `in_flight` at a time, no pacing; and how many failed."""
    bot = make_bot(Settings.model_validate({"BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": server.url + "/"}))
    todo = iter(chats)
    failed = 0

    async def worker() -> None:
        nonlocal failed
        for chat in todo:
            try:
                await bot.send_message(chat, text)
            except Exception:
                failed += 1

    try:
        await bot.get_me()  # open the connection pool outside the timing
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        return time.perf_counter() - t0, failed
    finally:
        await bot.session.close()


# --- main ---------------------------------------------------------------------------------------


async def main_async(args: argparse.Namespace, url: str) -> None:
    tune_gc()
    specs_title = load_specs(programs=list(DEFAULT_PROGRAMS)).programs[PROGRAM].title
    db = Database(url)
    t0 = time.perf_counter()
    people = await seed_people(db, args.messages + 1)
    many, one = people[:args.messages], people[-1]
    print(f"seeded {len(people)} linked employees in one unit in {time.perf_counter() - t0:.1f} s")
    limits = Limits(per_second=TELEGRAM_RATE, per_chat_interval=TELEGRAM_PER_CHAT)
    print(f"stand-in: {limits.per_second} messages/s overall, one per {limits.per_chat_interval:.1f} s "
          f"a chat, 429 with retry_after beyond; {args.latency * 1e3:.0f} ms a sendMessage")

    with stand_in(limits, args.latency) as server:
        async with production_sender(url, server) as (app, sender):
            s = app.settings
            print(f"sender: rate {s.send_rate:g}/s, {s.per_chat_interval:g} s per chat, "
                  f"batch {sender.batch}, concurrency {sender.concurrency}, idle {sender.idle:g} s")

            print(f"\n(1) {args.messages} notices to {args.messages} chats")
            t0 = time.perf_counter()
            await queue(db, "many", many, specs_title)
            print(f"  queued in one transaction in {time.perf_counter() - t0:.2f} s")
            many_run = await run_until_empty(url, server, sender, "many", args.messages,
                                             timeout=args.messages / 25 + 60)
            describe(many_run, args.messages)
            gaps = many_run.gaps
            print(f"  sustained {many_run.rate:.2f} messages/s over {many_run.span:.1f} s "
                  f"(busiest second at the stand-in: {many_run.busiest_second()} messages)")
            if gaps:
                print(f"  gaps between deliveries: median {median(gaps) * 1e3:.1f} ms, "
                      f"p99 {pct(gaps, 99) * 1e3:.1f} ms, max {max(gaps) * 1e3:.0f} ms; "
                      f"{sum(g > 0.1 for g in gaps)} over 100 ms "
                      f"(1/rate = {1e3 / s.send_rate:.1f} ms)")

            print(f"\n(2) {args.one_chat} notices to one chat")
            await queue(db, "one", [one] * args.one_chat, specs_title)
            one_run = await run_until_empty(url, server, sender, "one", args.one_chat,
                                            timeout=args.one_chat * 1.5 + 60)
            describe(one_run, args.one_chat)
            one_gaps = one_run.gaps
            if one_gaps:
                print(f"  gaps between deliveries: min {min(one_gaps):.3f} s, "
                      f"mean {sum(one_gaps) / len(one_gaps):.3f} s, max {max(one_gaps):.3f} s; "
                      f"first to last {one_run.span:.1f} s")
            chat = TG_BASE + args.messages
            order_ok = [c.chat_id for c in one_run.delivered] == [chat] * len(one_run.delivered)
            ordered = [int(c.text.split("Pembina one ")[1][:5]) for c in one_run.delivered
                       if "Pembina one " in c.text] if order_ok else []
            in_order = ordered == sorted(ordered) and len(ordered) == len(one_run.delivered)
            print(f"  delivered in the order queued: {'yes' if in_order else 'NO'}")

    print(f"\n(3) references, limits off, {args.latency * 1e3:.0f} ms a sendMessage")
    chats = [TG_BASE + i for i in range(args.messages)]
    with stand_in(None, args.latency) as server:
        async with production_sender(url, server) as (_, fresh):
            paced_count = min(args.messages, PACED_ALONE)
            paced_rate = await pacing_alone(fresh, paced_count)
        print(f"  the sender's pacing alone, {paced_count} chats, nothing sent: {paced_rate:.2f} messages/s "
              f"(a timer sleep ends on a whole millisecond: {1e3 / s.send_rate:.1f} ms waits "
              f"{math.ceil(1e3 / s.send_rate)} ms or more)")
        raw_s, raw_failed = await raw_sends(server, chats, sender.concurrency, "Bench reference message")
        raw_rate = args.messages / raw_s
        print(f"  Bot.send_message, {sender.concurrency} in flight, no pacing: {args.messages} "
              f"in {raw_s:.1f} s = {raw_rate:,.0f} messages/s ({raw_failed} failed)")
    with stand_in(None, args.latency) as server:
        async with production_sender(url, server, paced=False) as (_, unpaced):
            await queue(db, "unpaced", many, specs_title)
            free = await run_until_empty(url, server, unpaced, "unpaced", args.messages,
                                         timeout=args.messages / 5 + 60)
        print(f"  the same sender, pacing off: {len(free.delivered)} delivered at {free.rate:,.0f} "
              f"messages/s (outbox empty after {free.emptied - free.started:.1f} s; {free.lost} not sent, "
              f"{free.duplicates} duplicates; "
              f"CPU {free.cpu / max(len(free.delivered), 1) * 1e3:.2f} ms a message)")
    await db.dispose()

    print(f"\nmachine at the end: {machine()}")
    print("\n== targets ==")
    rate_ok = many_run.rate >= TARGET_RATE and not many_run.timed_out
    print(f"{verdict(rate_ok)}  {args.messages} chats: {many_run.rate:.2f} messages/s sustained "
          f"(target >= {TARGET_RATE:g})")
    print(f"{verdict(many_run.too_many == 0)}  {args.messages} chats: {many_run.too_many} x 429 (target 0)")
    print(f"{verdict(many_run.duplicates == 0)}  {args.messages} chats: {many_run.duplicates} duplicates "
          f"(target 0)")
    print(f"{verdict(many_run.lost == 0 and not many_run.timed_out)}  {args.messages} chats: "
          f"{many_run.lost} rows not sent (target 0)")
    min_gap = min(one_gaps) if one_gaps else 0.0
    mean_gap = sum(one_gaps) / len(one_gaps) if one_gaps else 0.0
    print(f"{verdict(bool(one_gaps) and min_gap >= TELEGRAM_PER_CHAT)}  one chat: gaps min {min_gap:.3f} s, "
          f"mean {mean_gap:.3f} s (target >= {TELEGRAM_PER_CHAT:.1f} s, at most 1 message/s)")
    print(f"{verdict(one_run.too_many == 0)}  one chat: {one_run.too_many} x 429 (target 0)")
    print(f"{verdict(one_run.duplicates == 0 and one_run.lost == 0 and in_order)}  one chat: "
          f"{one_run.duplicates} duplicates, {one_run.lost} rows not sent, "
          f"{'in' if in_order else 'OUT OF'} order (target 0, 0, in order)")
    print(f"sustained rate = {many_run.rate / s.send_rate:.1%} of the configured {s.send_rate:g}/s, "
          f"{many_run.rate / TELEGRAM_RATE:.1%} of Telegram's {TELEGRAM_RATE}/s, "
          f"{many_run.rate / paced_rate:.1%} of its pacing alone ({paced_rate:.2f}/s); "
          f"one chat took {one_run.span:.1f} s for {args.one_chat} "
          f"(floor {(args.one_chat - 1) * TELEGRAM_PER_CHAT:.0f} s)")
    print(f"without limits or pacing: Bot.send_message {raw_rate:,.0f}/s, the sender {free.rate:,.0f}/s "
          f"= {free.rate / TELEGRAM_RATE:.1f} x Telegram's limit")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--messages", type=int, default=5_000, help="notices to as many chats (default 5000)")
    parser.add_argument("--one-chat", type=int, default=100, help="notices to one chat (default 100)")
    parser.add_argument("--latency", type=float, default=0.03,
                        help="seconds a sendMessage takes (default 0.03)")
    parser.add_argument("--quick", action="store_true", help="600 messages and 10 to one chat")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.one_chat = 600, 10
    if args.messages < 2 or args.one_chat < 2 or args.latency < 0:
        parser.error("--messages and --one-chat must be at least 2, --latency not negative")
    run_bench(args, lambda url, _: main_async(args, url))


if __name__ == "__main__":
    main()
