"""A person's own reminders: /pengingat (what is on the way, which kinds are
on), "Ingatkan besok" and the shortcut buttons, through the real dispatcher
and the real outbox sender on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.i18n import Catalogs
from bot.telegram import command_list
from flows.callbacks import ConfirmRemind, Shortcut, ToggleReminder, pack
from flows.messages import Msg, Reply, reply_to_json
from flows.program_spec import CadenceReminders, StageWindowReminders
from flows.reminder_kinds import Choices, choices, rule_for, turned_off
from flows.spec import load_specs
from storage import repo
from storage.db import Database
from storage.models import OutboxMessage
from storage.repo.outbox import Queued
from tests.conftest import Clock
from tests.test_bot import setup
from tests.test_ingatkan import repo_id, rows
from tests.tg import texts

CONFIRM = pack(ConfirmRemind("kemenkes_tetap", "evaluasi", 2026))


async def test_each_person_sees_the_kinds_that_concern_them(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    ani = texts(await h.say(tg["ani"], "/pengingat"))
    assert "Saat ini tidak ada pengingat yang menunggu untuk dikirim." in ani
    assert "Batas waktu tahap — Coaching & Mentoring Tetap: selalu aktif, karena program ini wajib" in ani
    assert "Jadwal sesi: aktif" in ani and "tinjauan" not in ani and "Ringkasan" not in ani
    assert set(h.buttons(tg["ani"])) == {"Matikan: Jadwal sesi"}  # a mandatory stage has no button
    await h.say(tg["budi"], "/reminders")  # the English name works too
    assert set(h.buttons(tg["budi"])) == {"Matikan: Jadwal sesi",
                                          "Matikan: Isian yang menunggu tinjauan Anda"}
    await h.say(tg["sari"], "/pengingat")
    assert set(h.buttons(tg["sari"])) == {"Matikan: Jadwal sesi", "Matikan: Ringkasan mingguan pemantauan"}
    await h.say(tg["koor"], "/pengingat")  # Fajar's coach, and koordinator
    assert len(h.buttons(tg["koor"])) == 3
    catalogs = Catalogs()
    assert [c.command for c in command_list(catalogs, "id", False, frozenset({"pic"}))][6:13] == \
        ["belum_isi", "rekap", "jpl", "ingatkan", "ekspor", "verifikasi", "pengingat"]
    english = [c.command for c in command_list(catalogs, "en", True, frozenset({"pembina"}))]
    assert english == ["fill", "status", "jp", "history", "program", "documents", "review", "coachee",
                       "not_filled", "recap", "jpl", "remind", "export", "reports", "audit", "verify",
                       "reminders", "help", "language", "cancel"]


async def test_turning_a_kind_off_and_on_and_mandatory_stages_stay_on(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    ani = await repo_id(db, "ani")
    await h.say(tg["ani"], "/pengingat")
    out = texts(await h.press(tg["ani"], h.button(tg["ani"], "Matikan: Jadwal sesi")))
    assert out.startswith("✅ Jadwal sesi dimatikan.") and "Jadwal sesi: nonaktif" in out
    assert set(h.buttons(tg["ani"])) == {"Nyalakan: Jadwal sesi"}
    async with db.transaction() as s:
        assert await repo.reminding.muted_of(s, ani) == {"session"}
    out = texts(await h.press(tg["ani"], h.button(tg["ani"], "Nyalakan: Jadwal sesi")))
    assert "Jadwal sesi dinyalakan kembali" in out and "Jadwal sesi: aktif" in out
    async with db.transaction() as s:
        assert await repo.reminding.muted_of(s, ani) == frozenset()
    # payloads made by hand: a mandatory stage, a kind that is not hers
    out = texts(await h.press(tg["ani"], pack(ToggleReminder("stage_window"))))
    assert out == "Pengingat tahap program wajib tidak dapat dimatikan."
    assert "pesan lama" in texts(await h.press(tg["ani"], pack(ToggleReminder("pic_digest"))))
    async with db.transaction() as s:
        assert await repo.reminding.muted_of(s, ani) == frozenset()


async def test_a_kind_turned_off_is_dropped_when_its_turn_comes(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    ani = await repo_id(db, "ani")
    later = clock() + timedelta(hours=1)
    payload = reply_to_json(Reply((Msg("reminder.session_soon", {"activity": "Coaching", "at": "12:00"}),)))
    mid = Msg("reminder.stage_mid", {"stage": Msg("stage.evaluasi"), "closes": "31/12/2026"})
    stage = reply_to_json(Reply((mid,)))
    async with db.transaction() as s:
        await repo.outbox.enqueue(s, [
            Queued("t:session", ani, "session.soon", payload, later, "kemenkes_tetap", "evaluasi", "s1"),
            Queued("t:stage", ani, "stage_window.mid", stage, later, "kemenkes_tetap", "evaluasi",
                   "evaluasi@2026"),
        ], clock())
    shown = texts(await h.say(tg["ani"], "/pengingat"))
    assert "Pengingat yang akan datang: 2" in shown
    assert "• Jadwal sesi — 23/11/2026 pukul 11:00" in shown
    assert "• Batas waktu tahap — 23/11/2026 pukul 11:00" in shown
    shown = texts(await h.press(tg["ani"], h.button(tg["ani"], "Matikan: Jadwal sesi")))
    assert "Pengingat yang akan datang: 1" in shown and "• Jadwal sesi" not in shown
    async with db.transaction() as s:  # as if stage reminders had been turned off too
        await repo.reminding.set_muted(s, ani, frozenset({"session", "stage_window"}))
    clock.now = later
    await h.outbox.drain()
    async with db.transaction() as s:
        ended = dict((await s.execute(select(OutboxMessage.key, OutboxMessage.reason)
                                      .where(OutboxMessage.key.like("t:%")))).all())
        statuses = set((await s.execute(select(OutboxMessage.status).where(OutboxMessage.key == "t:stage")))
                       .scalars())
    assert ended["t:session"] == "muted" and ended["t:stage"] is None and statuses == {"sent"}
    assert "Evaluasi sudah berjalan separuh waktu" in texts(h.session.sent()[-1:])


async def test_snooze_once_and_only_ones_own(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await h.press(tg["sari"], CONFIRM)
    snooze = h.sent_button(tg["ani"], "Ingatkan besok", "Pengingat dari")
    out = await h.press(tg["dedi"], snooze)  # Ani's reminder, pressed by someone else
    assert "pesan lama" in texts(out)
    out = await h.press(tg["ani"], snooze)
    assert texts(out) == "Baik, pengingat ini akan datang lagi 24/11/2026 pukul 10:00."
    assert texts(await h.press(tg["ani"], snooze)) == \
        "Pengingat ini sudah pernah ditunda; penundaan hanya dapat dilakukan sekali."
    assert "• Pengingat dari PIC — 24/11/2026 pukul 10:00" in texts(await h.say(tg["ani"], "/pengingat"))
    found = await rows(db)
    assert found["ani#later"] == ("pending", None, datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    assert "dedi#later" not in found
    clock.now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    await h.outbox.drain()
    again = h.session.sent()[-1]
    assert again.chat_id == tg["ani"] and "Pengingat dari Sari Test" in (again.text or "")
    assert set(h.buttons(tg["ani"])) == {"Isi sekarang"}  # snoozed once: no second "Ingatkan besok"
    # on a Friday, tomorrow is a day off: Monday morning instead
    clock.now = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    await h.press(tg["sari"], CONFIRM)
    out = await h.press(tg["eka"], h.sent_button(tg["eka"], "Ingatkan besok", "Pengingat dari"))
    assert texts(out) == "Baik, pengingat ini akan datang lagi 30/11/2026 pukul 08:00."


async def test_shortcuts_run_the_persons_own_command(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    assert "5 dari 5 pegawai" in texts(await h.press(tg["sari"], pack(Shortcut("belum_isi"))))
    assert "hanya untuk PIC" in texts(await h.press(tg["ani"], pack(Shortcut("belum_isi"))))
    waiting = texts(await h.press(tg["budi"], pack(Shortcut("tinjau"))))
    assert "Ani Test — Evaluasi oleh Coach/Mentor" in waiting
    assert "Pertanyaan 1/16" in texts(await h.press(tg["ani"], pack(Shortcut("isi"))))
    assert "pesan lama" in texts(await h.press(tg["ani"], pack(Shortcut("hapus_semua"))))


def test_which_kinds_may_be_turned_off() -> None:
    tetap = load_specs().programs["kemenkes_tetap"]
    optional = tetap.model_copy(update={"id": "gentle", "reminders": (
        StageWindowReminders(kind="stage_window", activities=("rencana",), mandatory=False),
        CadenceReminders(kind="cadence", activity="rencana", per="month"))})
    coachee = choices([tetap], [tetap], coach=False, roles=frozenset())
    assert coachee == Choices(("session",), ("kemenkes_tetap",))
    assert choices([tetap], [tetap], coach=True, roles=frozenset({"koordinator"})).optional == \
        ("session", "coach_backlog", "pic_digest")
    both = choices([tetap, optional], [tetap, optional], coach=False, roles=frozenset({"pembina"}))
    assert both == Choices(("stage_window", "cadence", "session"), ("kemenkes_tetap",))
    muted = frozenset({"stage_window", "cadence"})
    assert not turned_off("stage_window.mid", muted, rule_for(tetap, "stage_window.mid", "rencana"))
    assert not turned_off("stage_window.open.coachees", muted, rule_for(tetap, "stage_window.open.coachees"))
    assert turned_off("stage_window.mid", muted, rule_for(optional, "stage_window.mid", "rencana"))
    assert turned_off("cadence.coach", muted, rule_for(optional, "cadence.coach", "rencana"))
    assert rule_for(optional, "stage_window.mid", "evaluasi") is None  # not one of its activities
    assert not turned_off("session.soon", muted, None)
    assert turned_off("session.soon", frozenset({"session"}), None)


async def test_a_stage_opening_for_the_coachees_leads_the_coach_to_them(db: Database, clock: Clock) -> None:
    """Nothing to review yet when a stage opens: the coach's notice opens
    their coachees' list rather than the review queue."""
    h, tg = await setup(db, clock)
    budi = await repo_id(db, "budi")
    notice = reply_to_json(Reply((Msg("reminder.stage_open.coachees", {
        "stage": Msg("stage.evaluasi"), "count": 3, "closes": "31/12/2026"}),)))
    async with db.transaction() as s:
        opened = Queued("t:coachees", budi, "stage_window.open.coachees", notice, clock(), "kemenkes_tetap",
                        "evaluasi", "evaluasi@2026")
        await repo.outbox.enqueue(s, [opened], clock())
    await h.outbox.drain()
    assert set(h.buttons(tg["budi"])) == {"Lihat coachee saya", "Ingatkan besok"}
    listed = texts(await h.press(tg["budi"], h.button(tg["budi"], "Lihat coachee saya")))
    assert "Ani Test" in listed and "Eka Test" in listed
    assert "Ani Test" not in texts(await h.press(tg["ani"], pack(Shortcut("coachee"))))  # not a coach
