"""The outbox sender: claims due messages and delivers them within
Telegram's limits.

At most `rate` messages a second overall (a little under Telegram's 30, so
the gaps that the network squeezes stay inside it) and one message a chat
every `per_chat` seconds; a 429 pauses every send for its `retry_after`
and hands the row back; network errors are retried with backoff; a 403
marks the person unreachable (cleared when they write again). A row is
marked sent right after Telegram accepted it, so a crash can repeat only
the messages in flight at that moment, at most `concurrency` of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncSession
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from bot.i18n import Catalogs
from bot.reminding import actions
from bot.render import reply_text, split_text
from bot.telegram import reply_markup
from flows.messages import reply_from_json
from storage import repo
from storage.db import Database
from storage.repo.outbox import DROPPED, FAILED, SENT, Claimed

log = logging.getLogger(__name__)

# Why a claimed row should no longer go out (form done meanwhile, person
# left the program), by row id; rows not named are sent.
Relevance = Callable[[AsyncSession, Sequence[Claimed], datetime], Awaitable[dict[int, str]]]

MAX_ATTEMPTS = 5
_TRANSIENT = (TelegramNetworkError, TelegramServerError, OSError)


class OutboxSender:
    def __init__(self, db: Database, bot: Bot, catalogs: Catalogs, clock: Callable[[], datetime], *,
                 default_locale: str = "id", rate: float | None = 29.0, per_chat: float | None = 1.05,
                 batch: int = 100, concurrency: int = 8, lease: timedelta = timedelta(minutes=5),
                 relevance: Relevance | None = None, idle: float = 1.0) -> None:
        self.db = db
        self.bot = bot
        self.catalogs = catalogs
        self.clock = clock
        self.default_locale = default_locale
        self.batch = batch
        self.concurrency = concurrency
        self.lease = lease
        self.relevance = relevance
        self.idle = idle
        # One message per 1/rate seconds, no bursts: Telegram counts any second.
        self._limiter = AsyncLimiter(1, 1 / rate) if rate else None
        self._per_chat = per_chat
        self._next_in_chat: dict[int, float] = {}
        self._paused_until = 0.0
        self._slots = asyncio.Semaphore(concurrency)
        self.wake = asyncio.Event()

    # --- the loop -----------------------------------------------------------------

    async def run(self) -> None:
        """Send until cancelled; `wake` (set after a change queued messages)
        cuts the idle wait short."""
        inflight: set[asyncio.Task[None]] = set()
        try:
            while True:
                # Claim in batches, not a row each time one is done.
                room = self.batch - len(inflight)
                groups = await self._claim(room) if room >= self.batch // 2 else []
                for group in groups:
                    task = asyncio.create_task(self._deliver_group(group))
                    inflight.add(task)
                    task.add_done_callback(inflight.discard)
                if groups:
                    await asyncio.sleep(0)
                    continue
                self.wake.clear()
                woken = asyncio.ensure_future(self.wake.wait())
                await asyncio.wait({woken, *inflight}, timeout=self.idle, return_when=asyncio.FIRST_COMPLETED)
                woken.cancel()
        finally:
            for task in inflight:
                task.cancel()

    async def drain(self) -> int:
        """Send everything due now and return how many rows were handled
        (the demo, the tests and `bina outbox --send` use it)."""
        handled = 0
        while groups := await self._claim(self.batch):
            await asyncio.gather(*(self._deliver_group(g) for g in groups))
            handled += sum(len(g) for g in groups)
        return handled

    async def _claim(self, limit: int) -> list[list[Claimed]]:
        """Claim due rows and drop those no longer relevant, in one
        transaction; the rest grouped by person, in order."""
        now = self.clock()
        async with self.db.transaction() as s:
            rows = await repo.outbox.claim(s, now, limit, self.lease)
            dropped = await self.relevance(s, rows, now) if self.relevance and rows else {}
            for row_id, reason in dropped.items():
                await repo.outbox.finish(s, row_id, DROPPED, now, reason)
        groups: dict[int, list[Claimed]] = {}
        for row in rows:
            if row.id not in dropped:
                groups.setdefault(row.employee_id, []).append(row)
        return list(groups.values())

    # --- one person's messages -------------------------------------------------------

    async def _deliver_group(self, rows: list[Claimed]) -> None:
        async with self._slots:
            for i, row in enumerate(rows):
                if not await self._deliver(row):
                    # Flood control or a blocked chat: the rest waits too (or fails alike).
                    for later in rows[i + 1:]:
                        await self._release(later, "after_previous")
                    return

    async def _deliver(self, row: Claimed) -> bool:
        """Send one row and record how it ended; False if the person's next
        rows should not be tried now."""
        if row.telegram_id is None:
            await self._end(row, DROPPED, "not_linked")
            return True
        reply = actions(row, reply_from_json(row.payload))
        lang = self.catalogs.lang(row.locale or self.default_locale)
        chunks = split_text(reply_text(self.catalogs, reply, lang))
        try:
            for i, chunk in enumerate(chunks):
                markup = reply_markup(self.catalogs, reply, lang) if i == len(chunks) - 1 else None
                await self._send(row.telegram_id, chunk, markup)
        except TelegramRetryAfter as e:
            loop = asyncio.get_running_loop()
            self._paused_until = max(self._paused_until, loop.time() + e.retry_after)
            log.warning("flood control: pausing sends for %s s", e.retry_after)
            await self._release(row, "retry_after", timedelta(seconds=e.retry_after))
            return False
        except TelegramForbiddenError:
            async with self.db.transaction() as s:
                await repo.set_blocked(s, row.telegram_id, self.clock())
                await repo.outbox.finish(s, row.id, FAILED, self.clock(), "blocked")
            return False
        except _TRANSIENT as e:
            if row.attempts >= MAX_ATTEMPTS:
                await self._end(row, FAILED, f"network: {e}"[:200])
            else:
                await self._release(row, "network", timedelta(minutes=2 ** row.attempts))
            return False
        except TelegramAPIError as e:
            log.warning("message %s refused: %s", row.key, e)
            await self._end(row, FAILED, str(e)[:200])
            return True
        await self._end(row, SENT)
        return True

    async def _send(self, chat_id: int, text: str, markup: object) -> None:
        async for attempt in AsyncRetrying(retry=retry_if_exception_type(_TRANSIENT), reraise=True,
                                           stop=stop_after_attempt(3),
                                           wait=wait_exponential(multiplier=0.5, max=4)):
            with attempt:
                await self._pace(chat_id)
                await self.bot.send_message(chat_id, text, reply_markup=markup)  # type: ignore[arg-type]

    async def _pace(self, chat_id: int) -> None:
        loop = asyncio.get_running_loop()
        wait = max(self._paused_until, self._next_in_chat.get(chat_id, 0.0)) - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        if self._limiter is not None:
            await self._limiter.acquire()
        if self._per_chat:
            self._next_in_chat[chat_id] = loop.time() + self._per_chat
            if len(self._next_in_chat) > 10_000:  # forget chats whose pause is over
                now = loop.time()
                self._next_in_chat = {c: t for c, t in self._next_in_chat.items() if t > now}

    async def _end(self, row: Claimed, status: str, reason: str | None = None) -> None:
        async with self.db.transaction() as s:
            await repo.outbox.finish(s, row.id, status, self.clock(), reason)

    async def _release(self, row: Claimed, reason: str, after: timedelta = timedelta(0)) -> None:
        async with self.db.transaction() as s:
            await repo.outbox.retry_later(s, row.id, self.clock() + after, reason)
