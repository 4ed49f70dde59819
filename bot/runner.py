"""Running the bot against the Bot API (Telegram's, or any compatible server)."""

from __future__ import annotations

import gc
import logging

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.app import App
from bot.config import Settings
from bot.telegram import build_dispatcher, register_commands

log = logging.getLogger(__name__)


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


async def run_polling(app: App) -> None:
    bot = make_bot(app.settings)
    dp = build_dispatcher(app.bina, app.catalogs)
    try:
        try:
            await register_commands(bot, app.bina, app.catalogs)
        except Exception:
            log.exception("registering commands failed; the bot runs without them")
        tune_gc()
        await dp.start_polling(bot, handle_signals=True)
    finally:
        await bot.session.close()
        await app.db.dispose()
