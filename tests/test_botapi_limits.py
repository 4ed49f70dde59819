"""The test Bot API server can enforce Telegram's sending limits.

A sender that drains an outbox is only as good as its pacing: too fast and Telegram
answers 429, too careless and a retried message arrives twice. These tests pin down
that the server judges requests on the wire the way Telegram does, so benchmarks and
sender tests can trust its verdicts. Most of them step a fake clock, so the verdicts
are exact and nothing waits; one runs on the real clock through aiogram.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiogram.exceptions import TelegramRetryAfter

from bot.config import Settings
from bot.runner import make_bot
from tests.botapi_server import BotAPIServer, Limits

TOKEN = "123456:TEST-token"


@dataclass
class FakeClock:
    """A monotonic clock that moves only when a test says so."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def send(http: aiohttp.ClientSession, server: BotAPIServer, chat_id: int, text: str
               ) -> tuple[int, dict[str, Any]]:
    """One sendMessage on the wire; the HTTP status and the decoded answer."""
    payload = {"chat_id": chat_id, "text": text}
    async with http.post(f"{server.url}/bot{TOKEN}/sendMessage", json=payload) as resp:
        body: dict[str, Any] = await resp.json()
        return resp.status, body


def too_many(retry_after: int) -> dict[str, Any]:
    """Telegram's answer to a message sent too soon."""
    return {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after}}


async def test_the_31st_message_within_a_second_is_refused(http: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    async with BotAPIServer(token=TOKEN, limits=Limits(), clock=clock) as server:
        start = clock.now
        for chat_id in range(1, 31):  # 30 chats, one message each, within 0.58 s
            status, _ = await send(http, server, chat_id, "halo")
            assert status == 200
            clock.now += 0.02
        clock.now = start + 0.6
        assert await send(http, server, 31, "halo") == (429, too_many(1))

        clock.now = start + 1.0  # the first message has left the window: one more fits
        assert (await send(http, server, 31, "halo"))[0] == 200
        assert (await send(http, server, 32, "halo"))[0] == 429
        assert server.too_many == 2
        assert len(server.sent()) == 31


async def test_a_second_message_to_one_chat_within_the_interval_is_refused(
    http: aiohttp.ClientSession,
) -> None:
    clock = FakeClock()
    async with BotAPIServer(token=TOKEN, limits=Limits(per_second=5, per_chat_interval=1.0),
                            clock=clock) as server:
        start = clock.now
        assert (await send(http, server, 7, "satu"))[0] == 200
        clock.now = start + 0.4
        assert await send(http, server, 7, "dua") == (429, too_many(1))
        assert (await send(http, server, 8, "dua"))[0] == 200, "another chat is not held back"
        clock.now = start + 1.0  # exactly one interval later
        assert (await send(http, server, 7, "dua"))[0] == 200

    # retry_after is the wait rounded up to whole seconds
    async with BotAPIServer(token=TOKEN, limits=Limits(per_second=5, per_chat_interval=2.5),
                            clock=clock) as server:
        assert (await send(http, server, 7, "satu"))[0] == 200
        clock.now += 0.2
        assert await send(http, server, 7, "dua") == (429, too_many(3))


async def test_refused_calls_do_not_use_up_the_window(http: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    async with BotAPIServer(token=TOKEN, limits=Limits(per_second=2, per_chat_interval=0.0),
                            clock=clock) as server:
        start = clock.now
        assert [(await send(http, server, c, "x"))[0] for c in (1, 2)] == [200, 200]
        clock.now = start + 0.5
        assert [(await send(http, server, c, "x"))[0] for c in (3, 4)] == [429, 429]
        clock.now = start + 1.0  # 1 and 2 have left the window; 3 and 4 did not count
        assert [(await send(http, server, c, "x"))[0] for c in (3, 4)] == [200, 200]
        assert server.too_many == 2


@pytest.mark.parametrize("limits", [None, Limits(per_second=1, per_chat_interval=1.0)])
async def test_block_and_flood_work_with_and_without_limits(
    http: aiohttp.ClientSession, limits: Limits | None
) -> None:
    clock = FakeClock()
    async with BotAPIServer(token=TOKEN, limits=limits, clock=clock) as server:
        server.flood(retry_after=2)
        assert await send(http, server, 1, "x") == (429, too_many(2))
        server.block(1)
        status, body = await send(http, server, 1, "x")
        assert status == 403 and body["description"] == "Forbidden: bot was blocked by the user"
        # neither the 429 nor the 403 was a message sent: the window is still free
        assert (await send(http, server, 2, "x"))[0] == 200
        assert server.too_many == 1


async def test_default_mode_sends_without_limit(http: aiohttp.ClientSession) -> None:
    async with BotAPIServer(token=TOKEN) as server:
        answers = await asyncio.gather(*(send(http, server, 5, f"pesan {i}") for i in range(40)))
        assert {status for status, _ in answers} == {200}
        assert server.too_many == 0
        assert len(server.delivered()[5]) == 40


async def test_duplicates_and_deliveries_per_chat(http: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    async with BotAPIServer(token=TOKEN, limits=Limits(per_second=30, per_chat_interval=1.0),
                            clock=clock) as server:
        start = clock.now
        await send(http, server, 1, "a")
        await send(http, server, 1, "a")  # refused: too soon, so not delivered twice
        await send(http, server, 2, "a")  # the same text to another chat is no duplicate
        assert server.duplicates() == {}

        clock.now = start + 1.0
        await send(http, server, 1, "a")  # delivered again: a duplicate
        clock.now = start + 2.0
        await send(http, server, 1, "b")
        assert server.duplicates() == {(1, "a"): 2}

        delivered = server.delivered()
        assert set(delivered) == {1, 2}
        assert [(c.at - start, c.text) for c in delivered[1]] == [(0.0, "a"), (1.0, "a"), (2.0, "b")]
        assert [c.text for c in delivered[2]] == ["a"]


async def test_spaced_messages_pass_on_the_real_clock_through_aiogram() -> None:
    async with BotAPIServer(token=TOKEN, limits=Limits(per_second=5, per_chat_interval=0.1)) as server:
        settings = Settings.model_validate({"BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": server.url + "/"})
        bot = make_bot(settings)
        try:
            for i in range(3):
                await bot.send_message(9, f"pesan {i}")
                await asyncio.sleep(0.15)
            await bot.send_message(9, "pesan 3")
            with pytest.raises(TelegramRetryAfter) as refused:
                await bot.send_message(9, "pesan 4")  # right after the one before
            assert refused.value.retry_after == 1
        finally:
            await bot.session.close()
        times = [c.at for c in server.delivered()[9]]
        assert len(times) == 4
        assert all(later - earlier >= 0.1 for earlier, later in itertools.pairwise(times))
        assert server.too_many == 1


async def test_latency_is_spent_before_the_call_is_recorded(http: aiohttp.ClientSession) -> None:
    async with BotAPIServer(token=TOKEN, latency=0.2) as server:
        started = time.monotonic()
        sending = asyncio.create_task(send(http, server, 3, "halo"))
        await asyncio.sleep(0.05)
        assert server.sent(ok=None) == [], "a message on its way is not delivered yet"
        assert (await sending)[0] == 200
        assert time.monotonic() - started >= 0.2
        assert server.sent(3)[0].at - started >= 0.2
