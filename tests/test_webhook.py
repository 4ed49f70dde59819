"""Webhook mode over real HTTP: updates are POSTed to `bot.webhook.run_webhook`
as Telegram would, the bot's own Bot API calls go to the stand-in server of
tests/botapi_server.py, and the dispatcher and database are the real ones.

Stopping a replica waits for the updates it has in hand (see
bot/webhook.py), so a test that stops it first can then assert on everything
that was, or was not, done.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import App
from bot.cli import main
from bot.config import ConfigError, Settings
from bot.core import Bina
from bot.i18n import Catalogs
from bot.runner import Background, run_polling
from bot.webhook import Health, check_health, no_details, run_webhook
from flows.spec import DEFAULT_PROGRAMS, load_specs
from storage.db import Database
from storage.models import Conversation, Employee, OutboxMessage
from tests.botapi_server import BotAPIServer, Call
from tests.conftest import Clock, _free_port
from tests.org import PEOPLE, make_org
from tests.tg import message_update

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token"
SECRET = "s3cret_Token-for-tests"
PATH = "/tg-hook"
PUBLIC_URL = f"https://bot.example.org{PATH}"
ANI, BUDI = 103, 101  # coachee, coach


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer(token=TOKEN) as srv:
        yield srv


def settings_for(server: BotAPIServer, db: Database, port: int, **extra: str) -> Settings:
    return Settings.model_validate({
        "BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": server.url, "DATABASE_URL": db.url,
        "WEBHOOK_URL": PUBLIC_URL, "WEBHOOK_SECRET": SECRET,
        "BINA_HTTP_HOST": "127.0.0.1", "BINA_HTTP_PORT": str(port), **extra,
    })


def app_for(settings: Settings, db: Database, clock: Clock) -> App:
    """bot.app.build_app, on a database the test holds too."""
    specs = load_specs(programs=list(DEFAULT_PROGRAMS))
    catalogs = Catalogs()
    return App(settings, db, specs, catalogs, Bina(db, specs, clock, catalogs=catalogs))


@dataclass
class Replica:
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with aiohttp.ClientSession() as http, \
                http.post(self.base + PATH, json=update, headers=headers) as resp:
            await resp.read()
            return resp.status

    async def health(self) -> tuple[int, dict[str, Any]]:
        async with aiohttp.ClientSession() as http, http.get(self.base + "/healthz") as resp:
            assert resp.content_type == "application/json"
            return resp.status, await resp.json()


@contextlib.asynccontextmanager
async def replica(server: BotAPIServer, db: Database, clock: Clock, *,
                  background: Sequence[Background] = (), health: Health = no_details,
                  push: bool = False) -> AsyncIterator[Replica]:
    """One `bina run` in webhook mode, serving until the block ends."""
    port = _free_port()
    app = app_for(settings_for(server, db, port), db, clock)
    before = len(server.calls_to("setWebhook"))
    task = asyncio.create_task(run_webhook(app, background=background, health=health,
                                           handle_signals=False, push=push))
    try:
        # setWebhook comes once the port is open; the command lists follow it.
        await server.wait_for(lambda calls: task.done() or len(server.calls_to("setWebhook")) > before)
        await server.wait_for(lambda calls: task.done() or server.calls_to("setMyCommands"))
        if task.done():
            task.result()
        yield Replica(port)
    finally:
        await stop(task)


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 20)


def replies(chat_id: int, part: str) -> Callable[[list[Call]], list[Call]]:
    def check(calls: list[Call]) -> list[Call]:
        return [c for c in calls if c.method == "sendMessage" and c.ok and c.chat_id == chat_id
                and part in c.text]
    return check


async def conversation(db: Database, telegram_id: int) -> tuple[Any, list[int]]:
    """A person's conversation row: where they stand, and the update ids handled for them."""
    query = (select(Conversation.state, Conversation.recent_updates)
             .join(Employee, Employee.id == Conversation.employee_id)
             .where(Employee.telegram_id == telegram_id))
    async with db.transaction() as s:
        row = (await s.execute(query)).one()
    return row.state, list(row.recent_updates)


# --- taking updates ---------------------------------------------------------------------


async def test_update_with_the_secret_is_handled_and_answered(
    server: BotAPIServer, sqlite_db: Database, clock: Clock
) -> None:
    await make_org(sqlite_db, clock())
    async with replica(server, sqlite_db, clock) as bina:
        update = message_update(ANI, "/isi")
        assert await bina.post(update) == 200
        [question] = await server.wait_for(replies(ANI, "Pertanyaan 1/16"), 5)
        assert question.params["reply_markup"]["inline_keyboard"]
        assert await bina.post(message_update(ANI, "/status")) == 200
        [status] = await server.wait_for(replies(ANI, "Status 2026"), 5)
        assert "Ani Test" in status.text
    state, recent = await conversation(sqlite_db, ANI)
    assert state is not None and update["update_id"] in recent
    assert {c.chat_id for c in server.sent()} == {ANI}
    assert not server.calls_to("getUpdates"), "webhook mode never polls"


async def test_set_webhook_carries_the_url_secret_and_update_kinds(
    server: BotAPIServer, sqlite_db: Database, clock: Clock
) -> None:
    await make_org(sqlite_db, clock())
    async with replica(server, sqlite_db, clock):
        assert server.webhook is not None
        assert server.webhook["url"] == PUBLIC_URL
        assert server.webhook["secret_token"] == SECRET
        assert server.webhook["drop_pending_updates"] is False
        assert set(server.webhook["allowed_updates"]) == {"message", "callback_query"}
        # the command lists are registered as when polling, the coach's own included
        def scopes(calls: list[Call]) -> list[Any]:
            return [c.params.get("scope") for c in calls if c.method == "setMyCommands"]

        await server.wait_for(lambda calls: {"type": "chat", "chat_id": BUDI} in scopes(calls), 5)
        assert {"type": "default"} in scopes(server.calls)
    assert server.webhook is not None, "a stopping replica leaves the webhook to the others"
    assert all(c.ok and c.token == TOKEN for c in server.calls)


@pytest.mark.parametrize("secret", ["not-the-secret", "", None], ids=["wrong", "empty", "missing"])
async def test_a_post_without_the_secret_is_refused_and_changes_nothing(
    server: BotAPIServer, db: Database, clock: Clock, secret: str | None
) -> None:
    await make_org(db, clock())
    before = await conversation(db, ANI)
    async with replica(server, db, clock) as bina:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with aiohttp.ClientSession() as http, \
                http.post(bina.base + PATH, json=message_update(ANI, "/isi"), headers=headers) as resp:
            assert resp.status == 401
            assert await resp.text() == "Unauthorized"
        # the same replica does answer a post that carries the secret
        assert await bina.post(message_update(BUDI, "/status")) == 200
        await server.wait_for(replies(BUDI, "Status 2026"), 5)
    assert await conversation(db, ANI) == before
    assert not server.sent(ANI, ok=None)


async def test_the_same_update_posted_twice_at_once_is_handled_once(
    server: BotAPIServer, db: Database, clock: Clock
) -> None:
    await make_org(db, clock())
    update = message_update(ANI, "/status")
    async with replica(server, db, clock) as bina:
        assert list(await asyncio.gather(bina.post(update), bina.post(update))) == [200, 200]
        await server.wait_for(replies(ANI, "Status 2026"), 5)
    assert len(server.sent(ANI, ok=None)) == 1
    _, recent = await conversation(db, ANI)
    assert recent.count(update["update_id"]) == 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_two_replicas_sharing_postgresql_handle_an_update_once(
    server: BotAPIServer, db: Database, clock: Clock
) -> None:
    """What the reverse proxy may do when Telegram retries: one update reaches both."""
    await make_org(db, clock())
    other = Database(db.url)
    update = message_update(ANI, "/isi")
    try:
        async with replica(server, db, clock) as one, replica(server, other, clock) as two:
            statuses = await asyncio.gather(*(r.post(update) for r in (one, two, one, two)))
            assert statuses == [200] * 4
            await server.wait_for(replies(ANI, "Pertanyaan 1/16"), 5)
    finally:
        await other.dispose()
    assert len(server.sent(ANI, ok=None)) == 1
    state, recent = await conversation(db, ANI)
    assert state is not None and recent.count(update["update_id"]) == 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_two_replicas_tick_at_once_and_send_each_reminder_once(
    server: BotAPIServer, db: Database, clock: Clock
) -> None:
    """Both replicas tick at start-up at the same moment and both senders
    drain the one outbox: each reminder is queued once and sent once."""
    await make_org(db, clock())
    other = Database(db.url)

    async def settled() -> list[Any]:
        async with db.transaction() as s:
            rows = list((await s.execute(select(OutboxMessage))).scalars())
        return rows if rows and all(r.status in ("sent", "dropped", "failed") for r in rows) else []

    try:
        async with replica(server, db, clock, push=True), replica(server, other, clock, push=True):
            for _ in range(200):
                rows = await settled()
                if rows:
                    break
                await asyncio.sleep(0.05)
    finally:
        await other.dispose()
    assert rows, "the outbox never emptied"
    assert len({r.key for r in rows}) == len(rows)
    sent = [r for r in rows if r.status == "sent"]
    linked = {tg for *_, tg in PEOPLE.values() if tg is not None}
    assert len(sent) == 22  # the Evaluasi's opening, Check-in 3 overdue, coaches' and PICs' notices
    assert len(sent) == len(server.sent()) and {c.chat_id for c in server.sent()} <= linked
    assert not server.duplicates()
    assert {r.reason for r in rows if r.status != "sent"} <= {"not_linked"}


async def test_stopping_lets_the_updates_in_hand_finish(
    server: BotAPIServer, sqlite_db: Database, clock: Clock
) -> None:
    """Telegram had its 200 already and will not send the update again."""
    await make_org(sqlite_db, clock())
    async with replica(server, sqlite_db, clock) as bina:
        server.flood(retry_after=1)  # the reply waits a second before it is sent again
        assert await bina.post(message_update(ANI, "/status")) == 200
        await server.wait_for(lambda calls: server.sent(ANI, ok=False), 5)
        assert not server.sent(ANI)
    # the block has ended: the replica has stopped, after sending the reply
    assert [c.status for c in server.sent(ANI, ok=None)] == [429, 200]
    assert "Status 2026" in server.sent(ANI)[0].text


# --- health ------------------------------------------------------------------------------


async def test_healthz_reports_the_database_and_the_probe(
    server: BotAPIServer, sqlite_db: Database, clock: Clock
) -> None:
    async def outbox() -> dict[str, object]:
        return {"outbox_oldest_pending_seconds": 12, "checked_at": clock()}

    await make_org(sqlite_db, clock())
    async with replica(server, sqlite_db, clock, health=outbox) as bina:
        status, body = await bina.health()
    assert status == 200
    assert body == {"ok": True, "database": "ok", "outbox_oldest_pending_seconds": 12,
                    "checked_at": str(clock())}


def _unreachable(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/bina.db"
    return f"postgresql+asyncpg://bina@127.0.0.1:{_free_port()}/bina"  # nothing listens there


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_healthz_is_503_when_the_database_is_unreachable(
    server: BotAPIServer, clock: Clock, tmp_path: Path, kind: str
) -> None:
    down = Database(_unreachable(kind, tmp_path))
    try:
        # the replica starts all the same (the command lists wait for the database)...
        async with replica(server, down, clock) as bina:
            status, body = await bina.health()
    finally:
        await down.dispose()
    # ...and says it cannot serve, so the proxy sends Telegram's posts elsewhere
    assert status == 503
    assert body["ok"] is False and body["database"] == "unreachable"


async def test_the_probe_may_report_the_replica_unwell(sqlite_db: Database,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    async def stuck() -> dict[str, object]:
        return {"ok": False, "outbox_oldest_pending_seconds": 3600}

    async def broken() -> dict[str, object]:
        raise RuntimeError("outbox table missing")

    async def slow() -> dict[str, object]:
        await asyncio.sleep(5)
        return {}

    assert await check_health(sqlite_db) == (200, {"ok": True, "database": "ok"})
    assert await check_health(sqlite_db, stuck) == (
        503, {"ok": False, "database": "ok", "outbox_oldest_pending_seconds": 3600})
    assert await check_health(sqlite_db, broken) == (
        503, {"ok": False, "database": "ok", "probe": "failed", "error": "RuntimeError"})
    monkeypatch.setattr("bot.webhook.HEALTH_TIMEOUT", 0.1)
    assert await check_health(sqlite_db, slow) == (
        503, {"ok": False, "database": "ok", "probe": "failed", "error": "TimeoutError"})


# --- background loops --------------------------------------------------------------------


class Loop:
    """A background loop that records its life; `fail` makes it raise once started."""

    def __init__(self, fail: bool = False) -> None:
        self.started = asyncio.Event()
        self.cancelled = False
        self.fail = fail

    async def __call__(self) -> None:
        self.started.set()
        if self.fail:
            raise RuntimeError("the loop broke")
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise


async def test_background_loops_run_beside_the_webhook_and_stop_with_it(
    server: BotAPIServer, sqlite_db: Database, clock: Clock
) -> None:
    await make_org(sqlite_db, clock())
    loops = [Loop(), Loop()]
    async with replica(server, sqlite_db, clock, background=loops) as bina:
        await asyncio.wait_for(asyncio.gather(*(loop.started.wait() for loop in loops)), 5)
        assert await bina.post(message_update(ANI, "/status")) == 200
        await server.wait_for(replies(ANI, "Status 2026"), 5)
        assert not any(loop.cancelled for loop in loops)
    assert all(loop.cancelled for loop in loops)


async def test_a_failing_background_loop_stops_the_webhook(
    server: BotAPIServer, sqlite_db: Database, clock: Clock
) -> None:
    port = _free_port()
    app = app_for(settings_for(server, sqlite_db, port), sqlite_db, clock)
    steady, broken = Loop(), Loop(fail=True)
    with pytest.raises(RuntimeError, match="the loop broke"):
        await asyncio.wait_for(run_webhook(app, background=[steady, broken], handle_signals=False), 20)
    assert steady.cancelled
    with pytest.raises(aiohttp.ClientConnectionError):  # no longer listening
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz"):
            pass


async def test_polling_runs_the_same_background_loops(
    server: BotAPIServer, sqlite_db: Database, clock: Clock
) -> None:
    await make_org(sqlite_db, clock())
    settings = Settings.model_validate({"BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": server.url})
    loop = Loop()
    task = asyncio.create_task(run_polling(app_for(settings, sqlite_db, clock), background=[loop],
                                           handle_signals=False))
    try:
        await asyncio.wait_for(loop.started.wait(), 5)
        await server.enqueue(message_update(ANI, "/status"))
        await server.wait_for(replies(ANI, "Status 2026"), 5)
    finally:
        await stop(task)
    assert loop.cancelled
    # cancelling stopped polling itself, not just the task around it
    polls = len(server.calls_to("getUpdates"))
    await asyncio.sleep(1.5)
    assert len(server.calls_to("getUpdates")) == polls

    # and a loop that fails ends polling with its error
    broken = Loop(fail=True)
    with pytest.raises(RuntimeError, match="the loop broke"):
        await asyncio.wait_for(run_polling(app_for(settings, sqlite_db, clock), background=[broken],
                                           handle_signals=False), 20)


# --- configuration and the command line ------------------------------------------------------


def test_webhook_settings() -> None:
    def hook(**env: str) -> Any:
        return Settings.model_validate({"WEBHOOK_SECRET": SECRET, **env}).webhook()

    assert Settings.model_validate({}).webhook() is None  # polling by default
    assert hook(WEBHOOK_URL="") is None  # e.g. WEBHOOK_URL=${WEBHOOK_URL:-} in compose
    plain = hook(WEBHOOK_URL="https://bot.example.org")
    assert (plain.url, plain.path) == ("https://bot.example.org/telegram", "/telegram")
    assert (plain.host, plain.port) == ("0.0.0.0", 8080)
    assert hook(WEBHOOK_URL="https://bot.example.org/").path == "/telegram"
    custom = hook(WEBHOOK_URL="https://bot.example.org:8443/bina/hook", BINA_HTTP_PORT="9000",
                  BINA_HTTP_HOST="127.0.0.1")
    assert (custom.url, custom.path, custom.port, custom.host) == (
        "https://bot.example.org:8443/bina/hook", "/bina/hook", 9000, "127.0.0.1")
    assert hook(WEBHOOK_URL="https://x.org/t", WEBHOOK_SECRET="a" * 256).secret == "a" * 256
    for bad in ("has space", "semi;colon", "ü", "a" * 257):
        with pytest.raises(ConfigError, match="A-Z, a-z, 0-9, _ and -"):
            hook(WEBHOOK_URL="https://x.org/t", WEBHOOK_SECRET=bad)
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET is not"):
        Settings.model_validate({"WEBHOOK_URL": "https://x.org/t"}).webhook()
    for bad_url in ("bot.example.org/telegram", "ftp://x.org/t", "https:///t"):
        with pytest.raises(ConfigError, match="WEBHOOK_URL must be"):
            hook(WEBHOOK_URL=bad_url)
    assert SECRET not in repr(Settings.model_validate({"WEBHOOK_SECRET": SECRET}))


@pytest.mark.parametrize(("secret", "says"), [
    (None, "but WEBHOOK_SECRET is not."),
    ("no spaces allowed", "may only hold 1-256 characters"),
])
def test_run_refuses_a_webhook_without_a_good_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    secret: str | None, says: str
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/bina.db")
    monkeypatch.setenv("WEBHOOK_URL", PUBLIC_URL)
    if secret is None:
        monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    else:
        monkeypatch.setenv("WEBHOOK_SECRET", secret)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert says in err and "secrets.token_urlsafe" in err
    assert secret is None or secret not in err
    assert not (tmp_path / "bina.db").exists(), "refused before touching the database"


async def test_bina_run_in_webhook_mode_serves_and_stops_on_sigterm(
    server: BotAPIServer, tmp_path: Path
) -> None:
    """The command a container runs: migrate, listen, set the webhook, answer, exit 0 on SIGTERM."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": server.url,
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bina.db", "WEBHOOK_URL": PUBLIC_URL,
           "WEBHOOK_SECRET": SECRET, "BINA_HTTP_HOST": "127.0.0.1", "BINA_HTTP_PORT": str(port)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    output = asyncio.create_task(proc.stdout.read())  # read all along: a full pipe would block bina
    try:
        await server.wait_for(lambda calls: proc.returncode is not None or server.calls_to("setMyCommands"),
                              60)
        assert proc.returncode is None
        assert server.webhook is not None and server.webhook["secret_token"] == SECRET
        bina = Replica(port)
        assert await bina.health() == (200, {"ok": True, "database": "ok", "outbox_pending": 0,
                                              "outbox_oldest_pending_seconds": None})
        assert await bina.post(message_update(ANI, "/start")) == 200  # not in any roster: Bina says so
        await server.wait_for(lambda calls: server.sent(ANI), 10)
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    log = (await output).decode()
    assert "Traceback" not in log, log
    assert "stop signal received" in log
