"""Taking updates by webhook: Telegram POSTs each update to an HTTP server.

Webhook mode is how Bina runs as several replicas behind a reverse proxy:
nothing here keeps state between updates, the database does. Each update is
answered 200 at once and handled in the background (aiogram's default);
an update delivered twice, or to two replicas, is handled once because
bot/core.py claims its id under the person's row lock.

`GET /healthz` tells the proxy or the orchestrator whether this replica can
reach the database; a `Health` probe adds details (such as the age of the
oldest pending outbox message) and may report the replica unwell.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from sqlalchemy import text

from bot.app import App
from bot.config import ConfigError
from bot.core import DB_ERRORS
from bot.runner import Background, make_bot, run_beside, tune_gc, until_stopped, wire
from bot.telegram import register_commands
from storage.db import Database

log = logging.getLogger(__name__)

# Extra details for /healthz; "ok": False among them makes the answer 503.
Health = Callable[[], Awaitable[dict[str, object]]]

HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT = 3.0  # below the usual 5 s of a container healthcheck
DRAIN_TIMEOUT = 10.0  # how long updates already answered 200 may take to finish at shutdown

_dumps = functools.partial(json.dumps, default=str)  # a probe may report datetimes


async def no_details() -> dict[str, object]:
    return {}


async def check_health(db: Database, probe: Health = no_details) -> tuple[int, dict[str, object]]:
    """HTTP status and body of /healthz: the database answers `SELECT 1`,
    then the probe adds its details."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT), db.transaction() as s:
            await s.execute(text("SELECT 1"))
    except (*DB_ERRORS, TimeoutError) as e:
        log.warning("health check: database unreachable (%s)", type(e).__name__)
        return 503, {"ok": False, "database": "unreachable", "error": type(e).__name__}
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT):
            details = await probe()
    except Exception as e:  # the endpoint must answer whatever the probe does
        log.exception("health probe failed")
        return 503, {"ok": False, "database": "ok", "probe": "failed", "error": type(e).__name__}
    body: dict[str, object] = {"ok": True, "database": "ok", **details}
    return (200 if body["ok"] is True else 503), body


class _UpdateHandler(SimpleRequestHandler):
    """aiogram's handler, except that at shutdown it lets the updates it has
    already answered 200 finish before the bot session closes: Telegram will
    not send those again. (aiogram keeps their tasks in a private set; a test,
    test_stopping_lets_the_updates_in_hand_finish, fails if that changes.)"""

    async def close(self) -> None:
        in_hand = set(self._background_feed_update_tasks)
        if in_hand:
            log.info("waiting for %d update(s) in hand", len(in_hand))
            _, late = await asyncio.wait(in_hand, timeout=DRAIN_TIMEOUT)
            if late:
                log.warning("%d update(s) still running at shutdown", len(late))
        await super().close()


def build_webhook_app(bot: Bot, dp: Dispatcher, db: Database, *, path: str, secret: str,
                      health: Health = no_details) -> web.Application:
    """The HTTP application: updates on `path` (a request without the right
    X-Telegram-Bot-Api-Secret-Token header gets 401 and is not handled) and
    GET /healthz."""
    app = web.Application()

    async def healthz(request: web.Request) -> web.Response:
        status, body = await check_health(db, health)
        return web.json_response(body, status=status, dumps=_dumps)

    app.router.add_get(HEALTH_PATH, healthz)
    _UpdateHandler(dp, bot, secret_token=secret).register(app, path=path)
    setup_application(app, dp, bot=bot)  # the dispatcher's startup and shutdown hooks
    return app


async def run_webhook(app: App, *, background: Sequence[Background] = (), health: Health = no_details,
                      handle_signals: bool = True, push: bool = False) -> None:
    """Serve the webhook until SIGTERM/SIGINT (or cancellation), with the
    `background` loops running beside it in this event loop."""
    hook = app.settings.webhook()
    if hook is None:
        raise ConfigError("WEBHOOK_URL is not set")
    bot = make_bot(app.settings)
    dp, background = wire(app, bot, background, push)
    web_app = build_webhook_app(bot, dp, app.db, path=hook.path, secret=hook.secret, health=health)
    # aiogram logs each update; an access log would add every health check.
    runner = web.AppRunner(web_app, handle_signals=False, access_log=None)
    try:
        await runner.setup()
        await web.TCPSite(runner, hook.host, hook.port).start()
        log.info("listening on %s:%s, webhook path %s", hook.host, hook.port, hook.path)
        # Only once this process listens. Every replica sets the same webhook, which is
        # harmless; none deletes it on exit, since the others go on serving it.
        await bot.set_webhook(hook.url, secret_token=hook.secret, drop_pending_updates=False,
                              allowed_updates=dp.resolve_used_update_types())
        try:
            await register_commands(bot, app.bina, app.catalogs)
        except Exception:
            log.exception("registering commands failed; the bot runs without them")
        tune_gc()
        await run_beside(until_stopped(handle_signals), background)
    finally:
        await runner.cleanup()  # stops listening, then lets the updates in hand finish
        await bot.session.close()
        await app.db.dispose()
