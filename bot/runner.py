"""Running the bot against the Bot API (Telegram's, or any compatible server).

Both ways of taking updates, long polling here and the webhook in
bot/webhook.py, run in one asyncio program and accept `background` loops
(a scheduler, an outbox sender...) that run beside them in the same event
loop until the bot stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.app import App
from bot.config import Settings
from bot.telegram import build_dispatcher, register_commands

log = logging.getLogger(__name__)

# A loop to run beside the bot: called once, expected to run until cancelled.
Background = Callable[[], Awaitable[None]]


def tune_gc() -> None:
    """Move start-up objects (specs, catalogs, aiogram's models) out of the
    collector's sight and collect young objects less often: a busy bot makes
    few reference cycles, and full collections were stalling bursts."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)


def make_bot(settings: Settings) -> Bot:
    assert settings.bot_token
    api = TelegramAPIServer.from_base(settings.telegram_api_base.rstrip("/"))
    return Bot(settings.bot_token, session=AiohttpSession(api=api))


async def run_beside(main: Awaitable[None], background: Sequence[Background]) -> None:
    """Run `main` with the background loops beside it. When `main` ends the
    loops are cancelled. A loop that fails stops everything and its error is
    raised, so the process exits and its supervisor restarts it instead of
    serving on without, say, reminders; a loop that simply returns is done."""
    main_task = asyncio.ensure_future(main)
    loops = {asyncio.ensure_future(start()) for start in background}
    pending: set[asyncio.Future[None]] = {main_task, *loops}
    try:
        while main_task in pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done - {main_task}:
                if not task.cancelled() and task.exception() is not None:
                    log.error("a background loop failed; stopping the bot")
                    task.result()
        main_task.result()
    finally:
        for task in (main_task, *loops):
            task.cancel()
        await asyncio.gather(main_task, *loops, return_exceptions=True)


async def until_stopped(handle_signals: bool = True) -> None:
    """Wait for SIGTERM or SIGINT (with `handle_signals`), or for cancellation."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT) if handle_signals else ()
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
        log.info("stop signal received")
    finally:
        for sig in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


def wire(app: App, bot: Bot, background: Sequence[Background], push: bool
         ) -> tuple[Dispatcher, Sequence[Background]]:
    """The dispatcher, and the loops to run beside it: with `push`, the
    reminder tick and the outbox sender, which each update that queues
    messages wakes."""
    if not push:
        return build_dispatcher(app.bina, app.catalogs), background
    from bot.push import push_side

    wake, loop = push_side(app, bot)
    return build_dispatcher(app.bina, app.catalogs, queued=wake), (*background, loop)


async def run_polling(app: App, *, background: Sequence[Background] = (),
                      handle_signals: bool = True, push: bool = False) -> None:
    """Long-poll getUpdates until SIGTERM/SIGINT (or cancellation), with the
    `background` loops running beside it."""
    bot = make_bot(app.settings)
    dp, background = wire(app, bot, background, push)
    try:
        try:
            await register_commands(bot, app.bina, app.catalogs)
        except Exception:
            log.exception("registering commands failed; the bot runs without them")
        tune_gc()
        await run_beside(_poll(dp, bot, handle_signals), background)
    finally:
        await bot.session.close()
        await app.db.dispose()


async def _poll(dp: Dispatcher, bot: Bot, handle_signals: bool) -> None:
    """`dp.start_polling`, stopped through the dispatcher when cancelled (a
    failed background loop cancels it): cancelling start_polling itself would
    leave its getUpdates loop running."""
    polling = asyncio.ensure_future(dp.start_polling(bot, handle_signals=handle_signals))
    try:
        await asyncio.shield(polling)
    except asyncio.CancelledError:
        try:
            await dp.stop_polling()
        except RuntimeError:  # "Polling is not started": nothing runs yet to be left behind
            polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        raise
