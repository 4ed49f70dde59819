"""Shared pieces of the benchmarks: a fixed clock, a lean fake Bot API
session, update JSON builders, roster generation and small statistics."""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod

if TYPE_CHECKING:
    from flows.roster import RosterRow

# Benchmark the checkout itself: put the repository root first on the path,
# so that top-level packages not (yet) in the editable install resolve too.
# The scripts import this module before any project module.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Update JSON is built exactly as in the tests.
from bot.core import Bina  # noqa: E402
from bot.turn import Outgoing, Sender  # noqa: E402
from flows.access import Scope, monitoring_scope  # noqa: E402
from flows.events import Event  # noqa: E402
from storage import repo  # noqa: E402
from tests.tg import LocalBotAPI  # noqa: E402
from tests.tg import callback_update as callback_update  # noqa: E402
from tests.tg import message_update as message_update  # noqa: E402

BOT_ID = 4242
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 WIB, a Monday


def fixed_clock() -> datetime:
    return NOW


def quiet_logging() -> None:
    logging.basicConfig(level=logging.WARNING)
    for name in ("aiogram", "aiogram.event", "aiogram.dispatcher", "sqlalchemy", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


# --- Telegram stand-in -----------------------------------------------------------


@dataclass(slots=True)
class Sent:
    text: str
    buttons: dict[str, str]  # label -> callback data; empty when no inline keyboard


class LeanSession(LocalBotAPI):
    """Answers the Bot API locally like the tests' RecordingSession, but keeps
    only per-chat counters and the last message and inline keyboard per chat,
    so memory reflects the bot, not the log."""

    def __init__(self) -> None:
        super().__init__()
        self.sent_count: Counter[int] = Counter()
        self.callback_answers = 0
        self.last: dict[int, Sent] = {}
        self.last_keyboard: dict[int, dict[str, str]] = {}
        self.max_text = 0

    def record(self, method: TelegramMethod[Any]) -> None:
        if isinstance(method, SendMessage):
            chat_id = int(method.chat_id)
            markup = method.reply_markup
            buttons: dict[str, str] = {}
            if markup is not None and hasattr(markup, "inline_keyboard"):
                buttons = {b.text: b.callback_data or "" for row in markup.inline_keyboard for b in row}
                self.last_keyboard[chat_id] = buttons
            self.sent_count[chat_id] += 1
            self.last[chat_id] = Sent(method.text, buttons)
            self.max_text = max(self.max_text, len(method.text))
        elif isinstance(method, AnswerCallbackQuery):
            self.callback_answers += 1


_ids = itertools.count(1_000_000)


def next_id() -> int:
    return next(_ids)


FIRST = ("Agus", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gilang", "Hendra", "Indah", "Joko",
         "Kartika", "Lestari", "Muhammad", "Nur", "Putri", "Rizky", "Siti", "Teguh", "Wahyu", "Yuliana")
LAST = ("Saputra", "Wijaya", "Kusumawati", "Hidayat", "Pratama", "Setiawan", "Rahmawati", "Nugroho",
        "Susanto", "Handayani", "Permana", "Wulandari", "Siregar", "Simanjuntak", "Ramadhan")
JABATAN = ("Analis Sumber Daya Manusia Aparatur Ahli Muda", "Pranata Komputer Ahli Pertama",
           "Perencana Ahli Madya", "Arsiparis Terampil", "Analis Kebijakan Ahli Muda",
           "Pengelola Pengadaan Barang/Jasa Ahli Pertama", "Auditor Ahli Madya", "Dokter Ahli Utama")


def nip(i: int) -> str:
    """A unique 18-digit NIP: birth date, TMT (year, month), sex digit, serial."""
    birth = date(1960, 1, 1) + timedelta(days=i % 12_000)
    return f"{birth:%Y%m%d}{2000 + i // 12_000}01{1 + i % 2}{i % 1000:03d}"


def person_name(i: int) -> str:
    return f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i:05d}"


@dataclass(frozen=True, slots=True)
class Spec:
    """One roster line before parsing."""

    index: int
    unit_utama: str
    unit_kerja: str
    atasan: int | None = None  # index of the superior
    roles: str = ""


def roster(specs: Sequence[Spec]) -> list[RosterRow]:
    from flows.roster import parse_rows

    raw = [
        (row, [nip(s.index), person_name(s.index), JABATAN[s.index % len(JABATAN)], "Penata (III/c)",
               "pertama", s.unit_utama, s.unit_kerja, nip(s.atasan) if s.atasan is not None else "",
               "", "", s.roles, "WIB"])
        for row, s in enumerate(specs, start=2)
    ]
    rows, errors = parse_rows(raw, allow_short_nip=False)
    if errors:
        raise SystemExit(f"roster rejected: {errors[:3]}")
    return rows


# --- measurements ----------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 2**20


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def machine() -> str:
    """Cores and load: other work on the machine shows up in every figure."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load}"


class GcWatch:
    """Counts the cyclic garbage collector's runs and pauses while active.
    A full (generation 2) collection walks every tracked object, and aiogram's
    pydantic models alone are a quarter of a million of them."""

    def __init__(self) -> None:
        self.runs = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self.longest = 0.0
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = time.perf_counter() - self._started
        gen = int(info.get("generation", 0))
        self.runs[gen] += 1
        self.seconds[gen] += pause
        self.longest = max(self.longest, pause)

    def __enter__(self) -> GcWatch:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def summary(self) -> str:
        return (f"GC: {self.runs[2]} full collections ({self.seconds[2] * 1000:.0f} ms), "
                f"{self.runs[0] + self.runs[1]} young ({(self.seconds[0] + self.seconds[1]) * 1000:.0f} ms), "
                f"longest pause {self.longest * 1000:.0f} ms; "
                f"{len(gc.get_objects())} tracked objects now")


def arguments(doc: str) -> argparse.ArgumentParser:
    """A benchmark's command line: its docstring's first line, and --db."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--db", help="database URL (must be empty; migrated here). Default: temp SQLite")
    return parser


def run_bench(args: argparse.Namespace, work: Callable[[str, Path], Coroutine[Any, Any, None]]) -> None:
    """Run a benchmark's work on its database (bench_database), the library logs quiet."""
    quiet_logging()
    with bench_database(args.db) as (url, tmp):
        asyncio.run(work(url, tmp))


@contextmanager
def bench_database(url: str | None) -> Iterator[tuple[str, Path]]:
    """The database a benchmark runs on (the given empty one, else a fresh
    SQLite file), migrated, after a header line saying which and where."""
    from storage.db import upgrade

    with tempfile.TemporaryDirectory(prefix="bina-bench-") as tmp:
        url = url or f"sqlite+aiosqlite:///{Path(tmp) / 'bina.db'}"
        print(f"database: {url.split('@')[-1]}   clock: {NOW.isoformat()}   python {sys.version.split()[0]}")
        print(f"machine: {machine()}")
        t0 = time.perf_counter()
        upgrade(url)
        print(f"migrated in {time.perf_counter() - t0:.1f} s")
        yield url, Path(tmp)


class Caller:
    """One person talking to the bot: their scope, and Bina.handle for them."""

    def __init__(self, bina: Bina, telegram_id: int, lang: str = "id") -> None:
        self.bina = bina
        self.sender = Sender(telegram_id, telegram_id, lang)

    async def scope(self) -> Scope:
        async with self.bina.db.transaction() as s:
            person = await repo.person_by_telegram(s, self.sender.telegram_id)
        assert person is not None
        scope = monitoring_scope(person.roles, person.unit_id, person.unit_utama_id)
        assert scope is not None
        return scope

    async def handle(self, event: Event) -> list[Outgoing]:
        return (await self.bina.handle(next_id(), self.sender, event)).messages
