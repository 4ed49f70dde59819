"""The Tetap program complete, by chat: the RHK rows carried into the
check-ins, the Evaluasi stage with the coachee's and the coach's forms, and
who may read a form."""

from __future__ import annotations

from datetime import UTC, datetime

from flows.callbacks import ViewRecord, pack
from storage import repo
from storage.db import Database
from tests.conftest import Clock
from tests.test_bot import fill_all, setup
from tests.test_profesi import answer_all
from tests.tg import texts


async def test_rhk_rows_carry_into_the_check_in(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    ani, budi = tg["ani"], tg["budi"]
    clock.now = datetime(2026, 2, 10, 3, 0, tzinfo=UTC)
    await h.say(ani, "/isi")
    await h.press(ani, h.button(ani, "Hari ini"))
    await h.say(ani, "RHK satu")
    await h.say(ani, "IKI satu")
    await h.say(ani, "Target satu")
    row2 = texts(await h.press(ani, h.button(ani, "Ya")))  # a second row
    assert "Pertanyaan 5/19" in row2  # numbered as the summary: "one more row?" takes no number
    await h.say(ani, "RHK dua")
    await h.say(ani, "IKI dua")
    await h.say(ani, "Target dua")
    await answer_all(h, ani)
    await h.press(ani, h.button(ani, "Kirim"))
    await h.press(budi, h.sent_button(budi, "Konfirmasi", "Ani Test"))

    clock.now = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)
    await h.say(ani, "/isi")
    await h.press(ani, h.button(ani, "Hari ini"))
    out = texts(h.session.sent()[-1:])
    assert "Jawaban sebelumnya: RHK satu" in out and "Gunakan jawaban sebelumnya" in str(h.buttons(ani))
    async with db.transaction() as s:
        person = await repo.person_by_telegram(s, ani)
        assert person is not None
        checkin = (await repo.statuses(s, person.id, "kemenkes_tetap", 2026))["checkin1"]
    assert checkin.answers["rhk"] == "RHK satu" and checkin.answers["rhk.2"] == "RHK dua"
    assert checkin.answers["target.2"] == "Target dua"


async def test_evaluasi_needs_the_coachees_form_and_the_coachs(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    ani, budi = tg["ani"], tg["budi"]
    # in the Evaluasi window: Ani's Rencana is late and due first; fill it, then the Evaluasi
    await fill_all(h, ani)
    await h.press(ani, h.button(ani, "Kirim"))
    await h.press(budi, h.sent_button(budi, "Konfirmasi", "Ani Test"))
    await h.say(ani, "/isi Evaluasi")
    await answer_all(h, ani)
    await h.press(ani, h.button(ani, "Kirim"))
    await h.press(budi, h.sent_button(budi, "Konfirmasi", "Evaluasi"))
    status = texts(await h.say(ani, "/status"))
    assert "Evaluasi oleh Coach/Mentor" in status and "diisi oleh coach" in status
    pic = texts(await h.say(tg["sari"], "/belum_isi evaluasi"))
    assert "Ani Test — Pranata Komputer: menunggu evaluasi dari coach" in pic
    # the coach's own evaluation of Ani, opened from /tinjau
    await h.say(budi, "/tinjau")
    first = texts(await h.press(budi, h.button(budi, "Ani Test")))
    assert "Formulir tentang coachee Anda: Ani Test" in first
    await answer_all(h, budi)
    out = await h.press(budi, h.button(budi, "Kirim"))
    assert "Budi Test, sudah mengisi" in texts([m for m in out if m.chat_id == ani])
    status = texts(await h.say(ani, "/status"))
    assert "diisi oleh coach" not in status
    assert "Ani Test" not in texts(await h.say(tg["sari"], "/belum_isi evaluasi"))  # the stage is complete


async def test_a_form_is_read_only_by_its_coachee_and_their_coach(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    ani = tg["ani"]
    await fill_all(h, ani)
    await h.press(ani, h.button(ani, "Kirim"))
    history = texts(await h.say(ani, "/riwayat"))
    assert "Rencana Pengembangan: menunggu konfirmasi" in history
    view = h.button(ani, "Rencana Pengembangan")
    assert "Ringkasan" in texts(await h.press(ani, view))
    assert "Ringkasan" in texts(await h.press(tg["budi"], view))  # the coach
    for other in ("sari", "koor", "kepala", "dedi"):  # PIC, koordinator, pembina, a colleague
        out = texts(await h.press(tg[other], view))
        assert "tidak dapat dibuka" in out and "Ringkasan" not in out, other
    # a coach's /coachee opens only their own coachees' forms
    assert "Ani Test" in texts(await h.say(tg["budi"], "/coachee"))
    from flows.callbacks import CoacheeForms
    async with db.transaction() as s:
        person = await repo.person_by_telegram(s, ani)
        assert person is not None
    out = texts(await h.press(tg["koor"], pack(CoacheeForms(person.id))))
    assert "tidak dapat dibuka" in out
    assert view == pack(ViewRecord(int(view.split(":")[1])))


async def test_belum_isi_lists_the_program_everyone_is_in_whatever_the_order(
        db: Database, clock: Clock) -> None:
    from tests.org import make_org
    from tests.tg import Harness
    org = await make_org(db, clock())
    h = Harness(db, clock, ("kemenkes_profesi", "kemenkes_tetap"))
    out = texts(await h.say(org.tg("sari"), "/belum_isi rencana"))
    assert "tahap Perencanaan tahun 2026" in out and "Ani Test" in out  # Tetap, named as on its sheet
