"""Langsa's activity logs by chat: entries with /sesi, the paraf of the
coach or the atasan, JP with monthly caps per activity type and the daily
cap on self-study, and the cap holding under two sign-offs at once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal

from bot.handlers import ledger
from bot.turn import Sender, Turn
from flows.program import Status
from storage import repo
from storage.db import Database
from tests.conftest import Clock
from tests.org import make_org
from tests.tg import Harness, texts

PROGRAMS = ("kemenkes_tetap", "langsa")


async def entry(h: Harness, chat: int, log: str, day: str, *answers: str) -> str:
    """Log one entry: pick the log, type the date, answer the rest in order
    (text typed; "Ya"/"Tidak" pressed), then send it."""
    await h.say(chat, "/sesi")
    said = [texts(await h.press(chat, h.button(chat, log)))]
    said.append(texts(await h.say(chat, day)))
    for answer in answers:
        if answer in ("Ya", "Tidak"):
            said.append(texts(await h.press(chat, h.button(chat, answer))))
        else:
            said.append(texts(await h.say(chat, answer)))
    said.append(texts(await h.press(chat, h.button(chat, "Kirim"))))
    return "\n".join(said)


async def paraf(h: Harness, chat: int, coachee: str) -> str:
    return texts(await h.press(chat, h.sent_button(chat, "Paraf", coachee)))


async def test_coaching_and_mentoring_caps_are_separate(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    h = Harness(db, clock, PROGRAMS)
    ani, budi = org.tg("ani"), org.tg("budi")
    for day in ("02/11/2026", "09/11/2026", "16/11/2026"):
        said = await entry(h, ani, "Mandiri: Coaching", day, f"Materi {day}", "Tidak")
        assert "Budi Test" in said
        out = await paraf(h, budi, "Ani Test")
    assert "maksimal dihitung 2 kali dalam 1 bulan" in out  # the third coaching of November
    for day in ("03/11/2026", "10/11/2026"):
        await entry(h, ani, "Mandiri: Mentoring", day, "Arahan karier", "Tidak")
        out = await paraf(h, budi, "Ani Test")
    assert "+2 JP" in out
    # 2 coaching and 2 mentoring counted: 8 JP, not 4 (L:140, L:199)
    status = texts(await h.say(ani, "/status"))
    assert "diparaf 3" in status or "3 catatan diparaf" in status
    assert "JP tahun ini: 8 dari hak 20 JP" in status
    ledger_text = texts(await h.say(ani, "/jp"))
    assert ledger_text.count(": 2 JP\n") == 4 and "maksimal dihitung 2 kali" in ledger_text


async def test_self_study_is_signed_by_the_atasan_with_the_day_cap_then_the_bonus(
        db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    h = Harness(db, clock, PROGRAMS)
    ani, budi = org.tg("ani"), org.tg("budi")
    await entry(h, ani, "Mandiri: Belajar Mandiri", "20/11/2026", "Kursus daring", "3", "Ringkasan", "Ya")
    out = await paraf(h, budi, "Ani Test")
    assert "2,4 JP" in out  # 3 hours capped at 2 JP a day, then +20 % for international


async def test_bad_entries_are_explained_and_the_entry_kept(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    h = Harness(db, clock, PROGRAMS)
    ani = org.tg("ani")
    await h.say(ani, "/sesi")
    await h.press(ani, h.button(ani, "Mandiri: Belajar Mandiri"))
    assert "tidak boleh melewati hari ini" in texts(await h.say(ani, "24/11/2026"))
    assert "60 hari" in texts(await h.say(ani, "01/09/2026"))
    await h.say(ani, "20/11/2026")
    await h.say(ani, "Materi")
    assert "angka" in texts(await h.say(ani, "tiga jam"))
    assert "paling banyak 24" in texts(await h.say(ani, "30"))
    assert "Pertanyaan 4/5" in texts(await h.say(ani, "1,5"))
    # leaving and coming back goes on with the same entry, not a new one
    await h.say(ani, "/batal")
    await h.say(ani, "/sesi")
    out = texts(await h.press(ani, h.button(ani, "Mandiri: Belajar Mandiri")))
    assert "Melanjutkan" in out and "Pertanyaan 4/5" in out


async def test_two_sign_offs_at_once_cannot_both_pass_the_monthly_cap(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    h = Harness(db, clock, PROGRAMS)
    ani = org.ids["ani"]
    spec = h.bina.specs.forms["langsa_coaching"]
    async with db.transaction() as s:
        made = []
        for n, day in enumerate(("2026-11-02", "2026-11-09", "2026-11-16"), 1):
            r = await repo.create_draft(s, ani, "langsa", "coaching", 2026, spec.id, spec.version, clock(),
                                        answers={"tanggal": day, "materi": "m", "internasional": "tidak"},
                                        occurrence=n)
            await repo.decide(s, r.id, Status.CONFIRMED, clock())
            made.append(replace(r, status=Status.CONFIRMED, day=None))
        budi = await repo.person_by_id(s, org.ids["budi"])
        assert budi is not None
        first = Turn(h.bina.settings, s, budi, Sender(1, 1), clock())
        await ledger.credit_completed(first, made[0])

    async def credit(record: object) -> Decimal:
        async with db.transaction() as s:
            turn = Turn(h.bina.settings, s, budi, Sender(1, 1), clock())
            lines = await ledger.credit_completed(turn, record)  # type: ignore[arg-type]
            await asyncio.sleep(0.05)  # hold the transaction open while the other one tries
            return sum((x.credited for x in lines.values()), Decimal(0))

    results = await asyncio.gather(credit(made[1]), credit(made[2]))
    assert sorted(results) == [Decimal(0), Decimal(2)]
    async with db.transaction() as s:
        assert await repo.jp_total(s, ani, 2026) == 4


async def test_the_first_slices_bad_input_holds_for_the_new_forms_and_commands(
        db: Database, clock: Clock) -> None:
    from tests.tg import STICKER, message_update
    org = await make_org(db, clock())
    h = Harness(db, clock, PROGRAMS)
    ani = org.tg("ani")
    # an unregistered person is told how to register, whatever the command
    for command in ("/program", "/jp", "/sesi", "/riwayat", "/coachee"):
        assert "undangan" in texts(await h.say(999, command)).lower(), command
    # a role that may not use a command is told so
    assert "belum tercatat sebagai coach" in texts(await h.say(ani, "/coachee"))
    await h.say(ani, "/sesi")
    await h.press(ani, h.button(ani, "Mandiri: Coaching"))
    await h.say(ani, "20/11/2026")
    # a sticker, an empty text, an over-long one: explained, the entry kept
    assert "hanya bisa menerima teks" in texts(await h.say(ani, **STICKER))
    assert "Pertanyaan 2/3" in texts(await h.say(ani, "   "))
    assert "terlalu panjang" in texts(await h.say(ani, "x" * 2100))
    # a command mid-form is answered and the entry stays open
    out = texts(await h.say(ani, "/jp"))
    assert "Catatan JP" in out and "masih terbuka" in out
    await h.say(ani, "Materi")
    # the same update twice is handled once
    update = message_update(ani, "/jp")
    first, again = await h.feed(update), await h.feed(update)
    assert first and not again
    await h.press(ani, h.button(ani, "Tidak"))
    send = h.button(ani, "Kirim")
    await h.press(ani, send)
    assert "sudah ditutup" in texts(await h.press(ani, send))  # pressed twice
    async with db.transaction() as s:
        assert len(await repo.records_of(s, org.ids["ani"])) == 1


async def test_sesi_with_a_form_open_says_so_once(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    h = Harness(db, clock, PROGRAMS)
    ani = org.tg("ani")
    await h.say(ani, "/sesi")
    await h.press(ani, h.button(ani, "Mandiri: Coaching"))
    out = texts(await h.say(ani, "/sesi"))
    assert out.count("masih terbuka") == 1
