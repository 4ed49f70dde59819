"""The push side over real databases: the tick queues each reminder once
(twice ticked, restarted, after downtime), notices are queued with the
change that caused them, and senders deliver each row once through a Bot
API stand-in (429, 403, two senders at once, a sender that dies)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot
from sqlalchemy import func, select

from bot.config import Settings
from bot.i18n import Catalogs
from bot.reminding import Known, relevance, tick
from bot.runner import make_bot
from bot.sender import OutboxSender
from flows.messages import Msg, Reply, reply_from_json, reply_to_json
from flows.spec import DEFAULT_PROGRAMS, load_specs
from storage import repo
from storage.db import Database
from storage.models import Employee, OutboxMessage, ScheduledSession, Submission
from storage.repo.outbox import Queued
from tests.botapi_server import BotAPIServer, Limits
from tests.conftest import Clock
from tests.org import make_org

TOKEN = "123456:TEST-token"
SPECS = load_specs(programs=list(DEFAULT_PROGRAMS))


def wib(y: int, m: int, d: int, h: int = 9, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)


async def outbox_rows(db: Database, **where: Any) -> list[Any]:
    async with db.transaction() as s:
        query = select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)
        return list((await s.execute(query)).scalars())


@contextlib.asynccontextmanager
async def stand_in(**kwargs: Any) -> AsyncIterator[tuple[BotAPIServer, Bot]]:
    async with BotAPIServer(token=TOKEN, **kwargs) as server:
        bot = make_bot(Settings.model_validate({"BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": server.url + "/"}))
        try:
            yield server, bot
        finally:
            await bot.session.close()


def sender(db: Database, bot: Bot, clock: Any, **kwargs: Any) -> OutboxSender:
    kwargs.setdefault("rate", None)
    kwargs.setdefault("per_chat", None)
    return OutboxSender(db, bot, Catalogs(), clock, relevance=relevance(SPECS), **kwargs)


# --- the tick ------------------------------------------------------------------------


async def test_tick_queues_each_reminder_once(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    opening = await tick(db, SPECS, wib(2026, 4, 1, 9))
    kinds = sorted(r.kind for r in await outbox_rows(db, employee_id=org.ids["ani"]))
    assert kinds == ["stage_window.open", "stage_window.overdue"]  # Check-in 1 opens; Rencana is late
    assert opening.queued == len(await outbox_rows(db)) > 0
    # Every half hour through the working day, and after a restart: nothing new.
    for minutes in range(30, 12 * 60, 30):
        assert (await tick(db, SPECS, wib(2026, 4, 1, 9) + timedelta(minutes=minutes))).queued == 0
    restarted = Database(db.url)
    try:
        assert (await tick(restarted, SPECS, wib(2026, 4, 1, 17))).queued == 0
    finally:
        await restarted.dispose()
    keys = [r.key for r in await outbox_rows(db)]
    assert len(keys) == len(set(keys))


async def test_downtime_queues_each_missed_reminder_once(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    await tick(db, SPECS, wib(2026, 3, 30, 10))
    first = {r.key for r in await outbox_rows(db)}
    # Down from 30 March to 2 April: the opening of Check-in 1 (1 April) and
    # the Rencana's overdue notice are queued once each, not once a missed tick.
    report = await tick(db, SPECS, wib(2026, 4, 2, 10))
    rows = await outbox_rows(db, employee_id=org.ids["eka"])
    new = [r for r in rows if r.key not in first]
    assert sorted(r.kind for r in new) == ["stage_window.open", "stage_window.overdue"]
    assert report.queued == len([r for r in await outbox_rows(db) if r.key not in first])
    assert (await tick(db, SPECS, wib(2026, 4, 2, 10, 5))).queued == 0


async def test_two_replicas_tick_at_once_queue_once(db: Database, clock: Clock) -> None:
    await make_org(db, clock())
    other = Database(db.url)
    try:
        a, b = await asyncio.gather(tick(db, SPECS, wib(2026, 4, 1)), tick(other, SPECS, wib(2026, 4, 1)))
    finally:
        await other.dispose()
    rows = await outbox_rows(db)
    assert a.queued + b.queued == len(rows) > 0
    assert len({r.key for r in rows}) == len(rows)


async def test_a_tick_that_remembers_misses_nothing_and_doubles_nothing(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    known = Known()
    before = await tick(db, SPECS, wib(2026, 3, 30, 10), known=known)
    assert before.queued > 0 and known.keys == {r.key for r in before.due}
    other = Database(db.url)  # another replica ticks first on 1 April
    try:
        elsewhere = await tick(other, SPECS, wib(2026, 4, 1, 9))
    finally:
        await other.dispose()
    assert elsewhere.queued > 0
    # This one remembers only 30 March: it asks the database about the rest,
    # and what the other queued is not queued again.
    again = await tick(db, SPECS, wib(2026, 4, 1, 9, 5), known=known)
    assert again.queued == 0 and known.keys == {r.key for r in again.due}
    # A reminder that comes due later is queued by the one that remembers.
    async with db.transaction() as s:
        s.add(ScheduledSession(employee_id=org.ids["ani"], coach_id=org.ids["budi"], program="kemenkes_tetap",
                               activity="checkin1", starts_at=wib(2026, 4, 2, 10), status="planned",
                               created_at=clock()))
    eve = await tick(db, SPECS, wib(2026, 4, 1, 16), known=known)
    assert eve.queued == 2  # the day-before notice to Ani and to Budi
    keys = [r.key for r in await outbox_rows(db)]
    assert len(keys) == len(set(keys)) == before.queued + elsewhere.queued + 2


async def test_coach_backlog_counts_forms_waiting_since_submission(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    submitted = wib(2026, 5, 4, 10)

    def form(who: str, activity: str, status: str) -> Submission:
        return Submission(employee_id=org.ids[who], program="kemenkes_tetap", activity=activity, year=2026,
                          occurrence=0, form_id="risalah_checkin", spec_version=3, answers={}, cursor=0,
                          status=status, late=False, submitted_at=submitted, created_at=submitted,
                          updated_at=submitted)

    async with db.transaction() as s:  # Ani's Check-in 1 waits for Budi; Eka's was confirmed
        s.add_all([form("ani", "checkin1", "submitted"), form("eka", "checkin1", "confirmed")])
    assert not [r for r in (await tick(db, SPECS, wib(2026, 5, 6, 10))).due if r.kind == "coach_backlog"]
    backlog = [r for r in (await tick(db, SPECS, wib(2026, 5, 7, 10, 5))).due if r.kind == "coach_backlog"]
    assert [(r.recipient, r.message.params["count"]) for r in backlog] == [(org.ids["budi"], 1)]


async def test_scheduled_session_reminders(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    starts = wib(2026, 11, 26, 10)  # a Thursday
    async with db.transaction() as s:
        s.add(ScheduledSession(employee_id=org.ids["ani"], coach_id=org.ids["budi"], program="kemenkes_tetap",
                               activity="evaluasi", starts_at=starts, status="planned", created_at=clock()))
    early = await tick(db, SPECS, wib(2026, 11, 25, 15, 55))
    assert not [r for r in early.due if r.kind.startswith("session")]
    eve = await tick(db, SPECS, wib(2026, 11, 25, 16))
    sessions = sorted((r.recipient, r.kind, r.not_before) for r in eve.due if r.kind.startswith("session"))
    assert sessions == sorted([(org.ids["ani"], "session.day_before", wib(2026, 11, 25, 16)),
                               (org.ids["budi"], "session.day_before", wib(2026, 11, 25, 16))])
    soon = await tick(db, SPECS, wib(2026, 11, 26, 9))
    assert sorted((r.recipient, r.kind) for r in soon.due if r.kind.startswith("session")) == \
        sorted([(org.ids["ani"], "session.soon"), (org.ids["budi"], "session.soon")])
    rows = [r for r in await outbox_rows(db) if r.kind.startswith("session")]
    assert len(rows) == 4
    texts = {r.employee_id: Catalogs().render(reply_from_json(r.payload).lines[0], "id")
             for r in rows if r.kind == "session.soon"}
    # Each is told who the session is with: a coach may have several that day.
    assert texts[org.ids["budi"]] == \
        "Pengingat: sesi Evaluasi Anda dengan Ani Test dimulai pukul 10:00 hari ini, satu jam lagi."
    assert texts[org.ids["ani"]].startswith("Pengingat: sesi Evaluasi Anda dengan Budi ")


# --- queued with the change ---------------------------------------------------------


async def test_coach_notice_is_queued_with_the_submission(db: Database, clock: Clock) -> None:
    from tests.test_bot import fill_all, setup

    h, tg = await setup(db, clock)
    h.outbox = sender(db, h.bot, clock, batch=0)  # a sender that claims nothing: the row must wait
    await fill_all(h, tg["ani"])
    assert not await outbox_rows(db, kind="notice")
    await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    notices = await outbox_rows(db, kind="notice")
    assert [(r.employee_id, r.status) for r in notices] == [(await outbox_person(db, tg["budi"]), "pending")]
    assert notices[0].key.startswith("notice:u")
    assert not [m for m in h.session.sent() if m.chat_id == tg["budi"]]  # not sent until the sender runs


# --- the sender ----------------------------------------------------------------------


async def _queue(db: Database, people: list[int], clock: Clock, texts: int = 1) -> None:
    async with db.transaction() as s:
        await repo.outbox.enqueue(s, [
            Queued(f"test:{p}:{i}", p, "notice", reply_to_json(Reply((Msg("reminder.pic_digest", {
                "program": "P", "stage": "S", "total": p, "done": i, "pending": 0, "unreachable": 0}),))),
                   clock())
            for p in people for i in range(texts)], clock())


async def _many_people(db: Database, n: int, now: datetime) -> list[int]:
    """n linked employees (telegram ids 10_000 + i) in the test organisation's unit."""
    org_unit = (await outbox_unit(db))
    async with db.transaction() as s:
        s.add_all(Employee(nip=f"1990{i:014d}", nama=f"P{i}", unit_id=org_unit, telegram_id=10_000 + i,
                           roles="", created_at=now, updated_at=now) for i in range(n))
    async with db.transaction() as s:
        return list((await s.execute(select(Employee.id).where(Employee.telegram_id >= 10_000)
                                     .order_by(Employee.id))).scalars())


async def outbox_unit(db: Database) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(func.min(Employee.unit_id)))).scalar_one())


async def test_429_pauses_and_403_marks_unreachable(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    await _queue(db, [org.ids["ani"], org.ids["budi"], org.ids["eka"]], clock)
    async with stand_in() as (server, bot):
        server.flood(retry_after=1)
        server.block(org.tg("eka"))
        out = sender(db, bot, clock)
        await out.drain()
        clock.now += timedelta(seconds=2)  # the 429'd row waits its retry_after
        await out.drain()
        assert server.too_many == 1
        assert sorted(c.chat_id or 0 for c in server.sent()) == sorted([org.tg("ani"), org.tg("budi")])
    rows = {r.employee_id: r for r in await outbox_rows(db)}
    assert (rows[org.ids["eka"]].status, rows[org.ids["eka"]].reason) == ("failed", "blocked")
    assert rows[org.ids["ani"]].status == rows[org.ids["budi"]].status == "sent"
    assert max(r.attempts for r in rows.values()) == 2  # the flooded one, once more
    async with db.transaction() as s:
        eka = await repo.person_by_id(s, org.ids["eka"])
    assert eka is not None and eka.blocked


async def test_sender_keeps_the_stand_ins_limits(sqlite_db: Database, clock: Clock) -> None:
    """Three messages to one chat and a burst to others, at Telegram's pace:
    no 429. The stand-in allows some jitter of the wire (a loaded test
    machine); bench/sender.py measures against the exact limits."""
    db = sqlite_db
    org = await make_org(db, clock())
    people = await _many_people(db, 40, clock())
    await _queue(db, [org.ids["ani"]], clock, texts=3)
    await _queue(db, people, clock)
    async with stand_in(limits=Limits(per_second=30, per_chat_interval=0.8)) as (server, bot):
        await sender(db, bot, clock, rate=20, per_chat=1.05).drain()
        assert server.too_many == 0
        assert len(server.sent()) == 43 and not server.duplicates()
        ani = [c.at for c in server.sent(org.tg("ani"))]
        assert all(b - a >= 0.8 for a, b in itertools.pairwise(ani))


async def test_two_senders_send_every_row_once(db: Database, clock: Clock) -> None:
    await make_org(db, clock())
    people = await _many_people(db, 150, clock())
    await _queue(db, people, clock, texts=2)
    other = Database(db.url)
    try:
        async with stand_in(latency=0.002) as (server, bot):
            await asyncio.gather(sender(db, bot, clock, batch=20).drain(),
                                 sender(other, bot, clock, batch=20).drain())
            assert len(server.sent()) == 300 and not server.duplicates()
    finally:
        await other.dispose()
    assert {r.status for r in await outbox_rows(db)} == {"sent"}


async def test_a_sender_that_dies_loses_nothing(db: Database, clock: Clock) -> None:
    await make_org(db, clock())
    people = await _many_people(db, 120, clock())
    await _queue(db, people, clock)
    async with stand_in(latency=0.01) as (server, bot):
        first = sender(db, bot, clock, concurrency=4, batch=40)
        task = asyncio.create_task(first.run())
        await server.wait_for(lambda calls: len(calls) >= 30, timeout=10)
        task.cancel()  # dies mid-burst: its claimed rows stay `sending`
        with contextlib.suppress(asyncio.CancelledError):
            await task
        stuck = [r for r in await outbox_rows(db) if r.status == "sending"]
        assert stuck
        clock.now += timedelta(minutes=6)  # past the lease
        await sender(db, bot, clock).drain()
        delivered = {c.chat_id for c in server.sent()}
        assert delivered == {10_000 + i for i in range(120)}  # nothing lost
        repeated = sum(n - 1 for n in server.duplicates().values())
        assert repeated <= 4  # only what was in flight, at most the sender's concurrency
    assert {r.status for r in await outbox_rows(db)} == {"sent"}


async def test_stage_reminder_dropped_once_the_form_is_done(db: Database, clock: Clock) -> None:
    from tests.test_bot import fill_all, setup

    clock.now = wib(2026, 3, 20, 10)  # the Rencana closes in 11 days
    h, tg = await setup(db, clock)
    ani = (await outbox_person(db, tg["ani"]))
    report = await tick(db, SPECS, clock())
    due = {(r.activity, r.kind) for r in report.due if r.recipient == ani}
    assert due == {("rencana", "stage_window.before_close")}
    async with db.transaction() as s:  # the reminders wait an hour, while Ani sends a form
        await s.execute(OutboxMessage.__table__.update().values(not_before=clock() + timedelta(hours=1)))
    await fill_all(h, tg["ani"])
    await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    async with db.transaction() as s:
        sent = (await s.execute(select(Submission.activity).where(
            Submission.employee_id == ani, Submission.status == "submitted"))).scalar_one()
    clock.now += timedelta(hours=2)
    await h.outbox.drain()
    assert sent == "rencana"
    mine = [(r.activity, r.status, r.reason) for r in await outbox_rows(db, employee_id=ani)]
    assert mine == [("rencana", "dropped", "form_done")]
    assert not [m for m in h.session.sent() if m.chat_id == tg["ani"] and "ditutup" in (m.text or "")]


async def outbox_person(db: Database, telegram_id: int) -> int:
    async with db.transaction() as s:
        person = await repo.person_by_telegram(s, telegram_id)
    assert person is not None
    return person.id


@pytest.mark.parametrize("rate", [29.0])
def test_settings_quiet_hours_and_rate(rate: float) -> None:
    s = Settings.model_validate({"BINA_DAYS_OFF": "friday, sunday", "BINA_QUIET_FROM": "20:00",
                                 "BINA_SEND_RATE": rate})
    assert s.quiet_hours.days_off == frozenset({4, 6}) and s.quiet_hours.start.hour == 20
    with pytest.raises(ValueError):
        _ = Settings.model_validate({"BINA_DAYS_OFF": "caturday"}).quiet_hours


async def test_cadence_reminder_dropped_once_an_entry_is_logged(db: Database, clock: Clock) -> None:
    """A "log or schedule a session" reminder, and the coach's "expect one",
    are moot once the coachee logged an entry or scheduled a session."""
    org = await make_org(db, clock())
    ani, dedi, budi = org.ids["ani"], org.ids["dedi"], org.ids["budi"]
    period = "coaching@2026-11-09+1"
    payload = reply_to_json(Reply((Msg("reminder.cadence_every", {"activity": "Coaching", "days": 14}),)))
    async with db.transaction() as s:
        await repo.outbox.enqueue(s, [
            Queued(f"{who}:cadence:langsa:{period}", who, "cadence", payload, clock(), "langsa", "coaching",
                   period) for who in (ani, dedi)] + [
            Queued(f"{budi}:cadence.coach:langsa:{who}/{period}", budi, "cadence.coach", payload, clock(),
                   "langsa", "coaching", f"{who}/{period}") for who in (ani, dedi)], clock())
    clock.now += timedelta(minutes=1)
    async with db.transaction() as s:  # Ani logs one (Dedi only schedules a mentoring session)
        s.add(Submission(employee_id=ani, program="langsa", activity="coaching", year=2026, occurrence=1,
                         form_id="langsa_coaching", spec_version=1, answers={}, cursor=0, status="draft",
                         late=False, created_at=clock(), updated_at=clock()))
        s.add(ScheduledSession(employee_id=dedi, coach_id=budi, program="langsa", activity="mentoring",
                               starts_at=clock() + timedelta(days=2), status="planned", created_at=clock()))
    async with stand_in() as (server, bot):
        specs = load_specs(programs=[*DEFAULT_PROGRAMS, "langsa"])
        await OutboxSender(db, bot, Catalogs(), clock, relevance=relevance(specs), rate=None,
                           per_chat=None).drain()
        assert sorted(c.chat_id for c in server.sent()) == sorted([org.tg("dedi"), org.tg("budi")])
    ended = {(r.employee_id, r.subject.split("/")[0] if "/" in r.subject else "", r.status, r.reason)
             for r in await outbox_rows(db)}
    assert ended == {(ani, "", "dropped", "entry_logged"), (budi, str(ani), "dropped", "entry_logged"),
                     (dedi, "", "sent", None), (budi, str(dedi), "sent", None)}
