"""The push side of `bina run`: the reminder tick on a schedule, and the
outbox sender.

APScheduler runs the tick at start-up and then every BINA_TICK_MINUTES;
ticks never overlap on one replica (max_instances=1), and ticks missed
while the process was down are not replayed one by one (coalesce): the
next tick queues whatever came due meanwhile, once. Any number of replicas
may run both loops against one PostgreSQL: queueing is idempotent by key
and senders claim rows with SKIP LOCKED.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.reminding import Known, relevance, tick
from bot.sender import OutboxSender
from flows.reminders import QuietHours
from storage import repo

log = logging.getLogger(__name__)


def make_sender(app: App, bot: Bot) -> OutboxSender:
    s = app.settings
    return OutboxSender(app.db, bot, app.catalogs, app.bina.clock, default_locale=app.bina.default_locale,
                        rate=s.send_rate, per_chat=s.per_chat_interval, relevance=relevance(app.specs))


async def run_tick(app: App, quiet: QuietHours, now: datetime | None = None,
                   known: Known | None = None) -> int:
    """One tick; errors are logged, not raised, so the schedule goes on."""
    try:
        report = await tick(app.db, app.specs, now or app.bina.clock(), quiet=quiet,
                            default_timezone=app.settings.timezone, known=known)
    except Exception:
        log.exception("reminder tick failed; the next one will try again")
        return 0
    if report.queued:
        log.info("reminder tick: %d due, %d queued", len(report.due), report.queued)
    return report.queued


async def run_push(app: App, sender: OutboxSender) -> None:
    """Tick and send until cancelled (`sender.wake` is what the dispatcher
    sets when an update queued messages)."""
    quiet = app.settings.quiet_hours
    known = Known()

    async def scheduled_tick() -> None:
        if await run_tick(app, quiet, known=known):
            sender.wake.set()

    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(scheduled_tick, "interval", minutes=app.settings.tick_minutes, id="reminder-tick",
                      next_run_time=datetime.now(UTC), max_instances=1, coalesce=True,
                      misfire_grace_time=int(timedelta(minutes=app.settings.tick_minutes).total_seconds()))
    scheduler.start()
    try:
        await sender.run()
    finally:
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)


def push_side(app: App, bot: Bot) -> tuple[Callable[[], None], Callable[[], Awaitable[None]]]:
    """What a run mode needs for the push side: the callback that wakes the
    sender after an update queued messages, and the loop to run beside it."""
    sender = make_sender(app, bot)
    return sender.wake.set, lambda: run_push(app, sender)


async def outbox_health(app: App) -> dict[str, object]:
    """/healthz's details: how much waits in the outbox, and for how long."""
    async with app.db.transaction() as s:
        stats = await repo.outbox.stats(s, app.bina.clock())
    age = stats.oldest_pending
    return {"outbox_pending": stats.counts.get("pending", 0) + stats.counts.get("sending", 0),
            "outbox_oldest_pending_seconds": round(age.total_seconds()) if age is not None else None}
