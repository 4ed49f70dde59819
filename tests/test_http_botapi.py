"""The real bot over real HTTP: aiogram's AiohttpSession talks to a local Bot API server.

Nothing between the dispatcher and the socket is replaced: updates come from
long-polled ``getUpdates`` and every reply is a ``sendMessage`` request on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher

from bot.config import Settings
from bot.core import Bina
from bot.i18n import Catalogs
from bot.runner import make_bot
from bot.telegram import build_dispatcher, register_commands
from flows.spec import DEFAULT_PROGRAMS, load_specs
from storage import repo
from storage.db import Database
from tests.botapi_server import BotAPIServer, Call
from tests.org import make_org
from tests.tg import callback_update, message_update

TOKEN = "123456:TEST-token"
ANI, BUDI = 103, 101  # coachee, coach


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer(token=TOKEN) as srv:
        yield srv


@dataclass
class Running:
    bot: Bot
    dp: Dispatcher
    bina: Bina
    task: asyncio.Task[None]


@contextlib.asynccontextmanager
async def running_bot(server: BotAPIServer, db: Database, clock: Any) -> AsyncIterator[Running]:
    """The real bot wired as in production (bot.runner), polling the test server."""
    await make_org(db, clock())
    settings = Settings.model_validate({"BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": server.url + "/"})
    bot = make_bot(settings)
    catalogs = Catalogs()
    bina = Bina(db, load_specs(programs=list(DEFAULT_PROGRAMS)), clock)
    dp = build_dispatcher(bina, catalogs)
    try:
        await asyncio.wait_for(register_commands(bot, bina, catalogs), 5)
        task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
        try:
            await server.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls), 5)
            yield Running(bot, dp, bina, task)
            assert not task.done(), "polling stopped on its own"
        finally:
            if not task.done():
                with contextlib.suppress(RuntimeError):  # "Polling is not started"
                    await asyncio.wait_for(dp.stop_polling(), 5)
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 5)
    finally:
        await bot.session.close()


def replies(chat_id: int, part: str):  # -> predicate over recorded calls
    def check(calls: list[Call]) -> list[Call]:
        return [c for c in calls if c.method == "sendMessage" and c.ok and c.chat_id == chat_id
                and part in c.text]
    return check


async def test_full_wire_run(server: BotAPIServer, sqlite_db: Database, clock: Any) -> None:
    started = time.monotonic()
    async with running_bot(server, sqlite_db, clock) as run:
        # register_commands: the default lists (Indonesian without language_code, English with "en")
        defaults = [c for c in server.calls_to("setMyCommands")
                    if c.params.get("scope") == {"type": "default"}]
        assert {c.params.get("language_code") for c in defaults} == {None, "en"}
        assert all(c.ok for c in server.calls_to("setMyCommands"))
        default_id = next(c for c in defaults if "language_code" not in c.params)
        assert [cmd["command"] for cmd in default_id.params["commands"]][:2] == ["isi", "status"]
        # ...and the coach's own list, with /tinjau
        coach_lists = [c for c in server.calls_to("setMyCommands")
                       if c.params.get("scope") == {"type": "chat", "chat_id": BUDI}]
        assert coach_lists and "tinjau" in [cmd["command"] for cmd in coach_lists[0].params["commands"]]
        assert all(c.token == TOKEN for c in server.calls)
        assert server.calls_to("getMe"), "start_polling asks who the bot is"

        await server.enqueue(message_update(ANI, "/isi"))
        [question] = await server.wait_for(replies(ANI, "Pertanyaan 1/16"), 5)
        markup = question.params["reply_markup"]
        buttons = {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}
        today = next(data for label, data in buttons.items() if "Hari ini" in label)

        # the offset moved past the handled update: it is not delivered twice
        await server.wait_for(lambda calls: not server.pending_updates, 3)

        # pressing the inline button goes through answerCallbackQuery and on to question 2
        await server.enqueue(callback_update(ANI, today))
        await server.wait_for(replies(ANI, "Pertanyaan 2/16"), 5)
        assert [c for c in server.calls_to("answerCallbackQuery") if c.ok]

        await server.enqueue(message_update(ANI, "/status"))
        [status] = await server.wait_for(replies(ANI, "Status 2026"), 5)
        assert "Ani Test" in status.text
        assert "draf" in status.text  # the form started above is a draft now
        assert not run.task.done()

    # polling stopped cleanly and nothing was sent anywhere else
    assert run.task.done() and run.task.exception() is None
    assert {c.chat_id for c in server.sent()} == {ANI}
    assert all(c.ok for c in server.calls), [c for c in server.calls if not c.ok]
    assert time.monotonic() - started < 10


async def test_flood_control_429_is_retried(server: BotAPIServer, sqlite_db: Database, clock: Any) -> None:
    async with running_bot(server, sqlite_db, clock):
        server.flood(retry_after=1)
        await server.enqueue(message_update(ANI, "/status"))
        [status] = await server.wait_for(replies(ANI, "Status 2026"), 6)
        attempts = server.sent(ANI, ok=None)
        assert [c.status for c in attempts] == [429, 200]
        assert attempts[0].text == status.text
        assert status.at - attempts[0].at >= 0.9, "the bot waited retry_after before sending again"
        person = await _person(sqlite_db, ANI)
        assert not person.blocked


async def test_blocked_chat_is_marked_and_polling_goes_on(
    server: BotAPIServer, sqlite_db: Database, clock: Any
) -> None:
    async with running_bot(server, sqlite_db, clock) as run:
        assert not (await _person(sqlite_db, ANI)).blocked
        server.block(ANI)
        await server.enqueue(message_update(ANI, "/status"))
        await server.wait_for(lambda calls: [c for c in calls if c.method == "sendMessage"
                                             and c.chat_id == ANI and c.status == 403], 5)
        # the 403 is answered by marking the employee (mark_blocked runs right after the failed send)
        for _ in range(100):
            if (await _person(sqlite_db, ANI)).blocked:
                break
            await asyncio.sleep(0.02)
        assert (await _person(sqlite_db, ANI)).blocked
        assert not (await _person(sqlite_db, BUDI)).blocked
        assert len(server.sent(ANI, ok=None)) == 1, "a 403 is not retried"

        # the user unblocks the bot and writes again: polling survived, the reply arrives
        server.unblock(ANI)
        await server.enqueue(message_update(ANI, "/status"))
        await server.wait_for(replies(ANI, "Status 2026"), 5)
        assert not run.task.done()


async def test_server_unknown_method_and_long_poll(server: BotAPIServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.url}/bot{TOKEN}/noSuchMethod", json={}) as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404,
                                         "description": "Not Found: method not found"}
        async with http.get(f"{server.url}/bot{TOKEN}/getMe") as resp:
            body = await resp.json()
            assert resp.status == 200 and body["ok"] and body["result"]["is_bot"]

        # multipart/form-data (objects as JSON strings) and JSON bodies are both understood
        form = aiohttp.FormData(default_to_multipart=True)
        form.add_field("chat_id", "55")
        form.add_field("text", "halo")
        form.add_field("reply_markup", '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}')
        async with http.post(f"{server.url}/bot{TOKEN}/sendMessage", data=form) as resp:
            message = (await resp.json())["result"]
        assert message["chat"]["id"] == 55 and message["text"] == "halo" and message["message_id"] >= 1
        assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"
        assert server.sent(55)[0].params["reply_markup"] == message["reply_markup"]
        payload = {"chat_id": 56, "text": "x"}
        async with http.post(f"{server.url}/bot{TOKEN}/sendMessage", json=payload) as resp:
            assert (await resp.json())["result"]["chat"]["id"] == 56

        # getUpdates waits for the timeout when nothing is queued...
        t0 = time.monotonic()
        async with http.post(f"{server.url}/bot{TOKEN}/getUpdates", data={"timeout": "1"}) as resp:
            assert (await resp.json())["result"] == []
        assert 0.9 <= time.monotonic() - t0 < 3

        # ...returns as soon as an update is queued, and honours offset
        async def later() -> None:
            await asyncio.sleep(0.2)
            await server.enqueue({"update_id": 7, "message": {}})
            await server.enqueue({"update_id": 8, "message": {}})

        t0 = time.monotonic()
        feeder = asyncio.create_task(later())
        async with http.post(f"{server.url}/bot{TOKEN}/getUpdates", json={"timeout": 5}) as resp:
            got = (await resp.json())["result"]
        await feeder
        assert time.monotonic() - t0 < 2
        assert [u["update_id"] for u in got][:1] == [7]
        async with http.post(f"{server.url}/bot{TOKEN}/getUpdates", data={"offset": "8"}) as resp:
            assert [u["update_id"] for u in (await resp.json())["result"]] == [8]
        async with http.post(f"{server.url}/bot{TOKEN}/getUpdates", data={"offset": "9"}) as resp:
            assert (await resp.json())["result"] == []

        # a wrong token is refused like Telegram does
        async with http.post(f"{server.url}/bot1:wrong/getMe") as resp:
            assert resp.status == 401


async def _person(db: Database, telegram_id: int) -> repo.Person:
    async with db.transaction() as s:
        person = await repo.person_by_telegram(s, telegram_id)
    assert person is not None
    return person


async def test_invite_asks_the_bot_api_for_the_bot_name(
    server: BotAPIServer, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE", server.url)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/invite.db")
    example = Path(__file__).resolve().parent.parent / "examples" / "roster.csv"
    assert await asyncio.to_thread(main, ["import-roster", str(example)]) == 0
    target = tmp_path / "links.csv"
    assert await asyncio.to_thread(main, ["invite", "--out", str(target)]) == 0
    links = [line.split(",")[2] for line in target.read_text().splitlines()[1:]]
    assert len(links) == 7 and all(x.startswith("https://t.me/bina_test_bot?start=") for x in links)
    assert any(c.method == "getMe" for c in server.calls)
