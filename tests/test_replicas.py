"""Two `bina run` processes in webhook mode on one real PostgreSQL, as the
docker-compose layout runs them: the same update POSTed to both at once is
handled once; both tick at start-up and the outbox holds each reminder
once; both senders drain it and every message reaches Telegram once.

The processes keep the real clock, so what they remind of must not depend
on the date or the hour: sessions starting in 40 minutes, whose "one hour
before" reminder is due at once and is not held for quiet hours.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import OutboxMessage, ScheduledSession
from tests.botapi_server import BotAPIServer
from tests.conftest import _free_port
from tests.org import PEOPLE, make_org
from tests.test_webhook import ANI, PUBLIC_URL, ROOT, SECRET, TOKEN, Replica, conversation, replies
from tests.tg import message_update

COACHEES = ("ani", "dedi", "eka")  # Budi's, all linked


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer(token=TOKEN) as srv:
        yield srv


async def start(server: BotAPIServer, url: str, workdir: Path) -> tuple[asyncio.subprocess.Process, Replica,
                                                                        asyncio.Task[bytes]]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": server.url,
           "DATABASE_URL": url, "WEBHOOK_URL": PUBLIC_URL, "WEBHOOK_SECRET": SECRET,
           "BINA_HTTP_HOST": "127.0.0.1", "BINA_HTTP_PORT": str(port)}
    workdir.mkdir()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=workdir, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    return proc, Replica(port), asyncio.create_task(proc.stdout.read())  # a full pipe would block bina


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_two_bina_run_processes_on_one_postgresql(server: BotAPIServer, db: Database,
                                                        tmp_path: Path) -> None:
    now = datetime.now(UTC)
    org = await make_org(db, now)
    starts = now + timedelta(minutes=40)
    async with db.transaction() as s:
        s.add_all([ScheduledSession(employee_id=org.ids[who], coach_id=org.ids["budi"],
                                    program="kemenkes_tetap", activity="checkin1", starts_at=starts,
                                    status="planned", created_at=now) for who in COACHEES])
    started = [await start(server, db.url, tmp_path / name) for name in ("one", "two")]
    procs = [proc for proc, _, _ in started]
    try:
        await server.wait_for(lambda calls: any(p.returncode is not None for p in procs)
                              or len(server.calls_to("setWebhook")) >= 2, 90)
        assert all(p.returncode is None for p in procs)
        for _, replica, _ in started:
            assert (await replica.health())[0] == 200

        # Telegram retries, and the proxy hands the update to both at once.
        update = message_update(ANI, "/bantuan")
        posts = [replica.post(update) for _, replica, _ in started for _ in range(2)]
        assert await asyncio.gather(*posts) == [200] * 4
        await server.wait_for(replies(ANI, "Yang bisa Anda lakukan"), 20)

        # Both ticked at start-up; both senders drain the outbox.
        soon = "satu jam lagi"
        linked = [PEOPLE[who][-1] for who in COACHEES]
        await server.wait_for(lambda calls: len([c for c in server.sent() if soon in (c.text or "")])
                              >= 2 * len(COACHEES), 60)
        await asyncio.sleep(1)  # time for a second copy, were there one
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        assert [await asyncio.wait_for(p.wait(), 20) for p in procs] == [0, 0]
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    logs = [(await output).decode() for _, _, output in started]
    for log in logs:
        assert "Traceback" not in log, log

    assert len(replies(ANI, "Yang bisa Anda lakukan")(server.calls)) == 1  # the update was handled once
    _, recent = await conversation(db, ANI)
    assert recent.count(update["update_id"]) == 1
    reminders = [c for c in server.sent() if soon in (c.text or "")]
    assert sorted(c.chat_id for c in reminders) == sorted([*linked, *[PEOPLE["budi"][-1]] * len(COACHEES)])
    assert not server.duplicates()
    async with db.transaction() as s:
        rows = list((await s.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "session.soon"))).scalars())
    assert len(rows) == len({r.key for r in rows}) == 2 * len(COACHEES)
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
