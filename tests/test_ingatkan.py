"""/ingatkan: a PIC, koordinator or pembina reminds the people of their own
scope who have not completed a stage. Through the real dispatcher and the
real outbox sender, on SQLite and PostgreSQL (queueing is an INSERT ... ON
CONFLICT, claiming an UPDATE ... RETURNING, both per backend)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flows.callbacks import ConfirmRemind, pack
from flows.program import Status
from storage import repo
from storage.db import Database
from storage.models import Employee, Enrolment, OutboxMessage, Submission
from tests.conftest import Clock
from tests.org import PEOPLE, make_org
from tests.test_bot import setup
from tests.tg import Harness, texts

CONFIRM = pack(ConfirmRemind("kemenkes_tetap", "evaluasi", 2026))
TUESDAY_8_WIB = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


async def rows(db: Database) -> dict[str, tuple[str, str | None, datetime]]:
    """The ingatkan rows by recipient's name: (status, reason, not_before)."""
    names = {v[0]: k for k, v in PEOPLE.items()}
    async with db.transaction() as s:
        found = (await s.execute(select(Employee.nip, OutboxMessage.status, OutboxMessage.reason,
                                        OutboxMessage.not_before, OutboxMessage.key)
                                 .join(Employee, OutboxMessage.employee_id == Employee.id)
                                 .where(OutboxMessage.kind == "ingatkan"))).all()
    return {names[nip] + ("#later" if key.endswith("#later") else ""): (status, reason, at)
            for nip, status, reason, at, key in found}


async def change(db: Database, name: str, **values: object) -> None:
    async with db.transaction() as s:
        await s.execute(update(Employee).where(Employee.nip == PEOPLE[name][0]).values(**values))


def to(out: list, chat: int) -> str:  # type: ignore[type-arg]
    return texts([m for m in out if m.chat_id == chat])


async def test_each_role_counts_its_own_scope_and_others_are_refused(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    pic = texts(await h.say(tg["sari"], "/ingatkan"))
    assert "tahap Evaluasi tahun 2026 — unit kerja Bagian Umum" in pic  # today's stage
    assert "Belum menyelesaikan tahap ini: 5 dari 5 pegawai" in pic
    assert "akan diingatkan: 5." in pic and "diblokir): 0." in pic
    assert h.button(tg["sari"], "Kirim pengingat") == CONFIRM
    assert "Kirim pengingat (5)" in h.buttons(tg["sari"])
    koor = texts(await h.say(tg["koor"], "/ingatkan"))
    # the unit utama: 8 people, Fajar never linked his account
    assert "5 dari 5" not in koor and "8 dari 8 pegawai" in koor and "diblokir): 1." in koor
    pembina = texts(await h.say(tg["kepala"], "/ingatkan Checkpoint 1"))  # the seed sheet's name
    assert "tahap Checkpoint 1 tahun 2026 — seluruh instansi" in pembina and "8 dari 8" in pembina
    assert "Kirim pengingat (8)" in h.buttons(tg["kepala"])
    # nothing is queued by looking
    assert await rows(db) == {}
    for who in ("ani", "budi"):  # a coachee; a coach
        out = await h.say(tg[who], "/ingatkan")
        assert "hanya untuk PIC" in texts(out) and len(out) == 1
        out = await h.press(tg[who], CONFIRM)  # a confirmation made by hand
        assert "hanya untuk PIC" in texts(out) and len(out) == 1
    assert await rows(db) == {}
    assert "tidak dikenal" in texts(await h.say(tg["sari"], "/ingatkan triwulan9"))


async def test_confirm_reaches_each_person_once_with_a_button_to_fill(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await h.say(tg["sari"], "/ingatkan")
    out = await h.press(tg["sari"], h.button(tg["sari"], "Kirim pengingat"))
    said = to(out, tg["sari"])
    assert "dijadwalkan untuk dikirim: 5. Sudah diingatkan hari ini, tidak dikirimi lagi: 0." in said
    message = to(out, tg["ani"])
    assert message == ("🔔 Pengingat dari Sari Test: tahap Evaluasi (Coaching & Mentoring Tetap) belum Anda "
                       "selesaikan. Batasnya 31/12/2026.")
    assert set(h.buttons(tg["ani"])) == {"Isi sekarang", "Ingatkan besok"}
    assert sorted(m.chat_id for m in out if "Pengingat dari" in (m.text or "")) == sorted(
        tg[n] for n in ("budi", "sari", "ani", "dedi", "eka"))  # the PIC is a coachee too
    found = await rows(db)
    assert set(found) == {"budi", "sari", "ani", "dedi", "eka"}
    assert {status for status, _, _ in found.values()} == {"sent"}
    async with db.transaction() as s:
        keys = set((await s.execute(select(OutboxMessage.key))).scalars())
    ani = (await repo_id(db, "ani"))
    assert f"{ani}:ingatkan:kemenkes_tetap:evaluasi@2026:2026-11-23" in keys
    # pressed twice: nothing new
    again = await h.press(tg["sari"], CONFIRM)
    assert [m.chat_id for m in again] == [tg["sari"]]
    assert "dikirim: 0. Sudah diingatkan hari ini, tidak dikirimi lagi: 5." in texts(again)
    # "Isi sekarang" opens the Evaluasi form, not the late Rencana that /isi would open first
    opened = texts(await h.press(tg["ani"], h.sent_button(tg["ani"], "Isi sekarang", "Pengingat dari")))
    assert "Coaching & Mentoring Tetap — Evaluasi" in opened and "Pertanyaan 1/" in opened


async def repo_id(db: Database, name: str) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(Employee.id).where(Employee.nip == PEOPLE[name][0]))).scalar_one())


async def test_two_pics_of_one_unit_remind_once(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await change(db, "ani", roles="pic")
    first = await h.press(tg["sari"], CONFIRM)
    assert "dikirim: 5." in to(first, tg["sari"])
    second = await h.press(tg["ani"], CONFIRM)
    assert "dikirim: 0. Sudah diingatkan hari ini, tidak dikirimi lagi: 5." in to(second, tg["ani"])
    reminded = [m for m in h.session.sent() if "Pengingat dari" in (m.text or "")]
    unit = ("budi", "sari", "ani", "dedi", "eka")
    assert sorted(m.chat_id for m in reminded) == sorted(tg[n] for n in unit)
    # the next day is a new day
    clock.now += timedelta(days=1)
    assert "dikirim: 5. " in to(await h.press(tg["ani"], CONFIRM), tg["ani"])


async def test_a_pic_reaches_only_their_own_unit(db: Database, clock: Clock) -> None:
    h, _ = await setup(db, clock)
    fajar = 106
    fajar_id = await repo_id(db, "fajar")
    async with db.transaction() as s:
        await repo.link_telegram(s, fajar_id, fajar, "id", clock())
    await change(db, "fajar", roles="pic")
    shown = texts(await h.say(fajar, "/ingatkan"))
    assert "unit kerja Bagian Keuangan" in shown and "1 dari 1 pegawai" in shown
    # the confirmation carries no scope: pressing Sari's queues for Fajar's unit only
    out = await h.press(fajar, CONFIRM)
    assert "dijadwalkan untuk dikirim: 1." in to(out, fajar)
    assert {m.chat_id for m in out} == {fajar}
    assert set(await rows(db)) == {"fajar"}


async def test_quiet_hours_wait_for_each_persons_morning_and_done_forms_are_dropped(
        db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await change(db, "dedi", timezone="Asia/Makassar")  # WITA
    await change(db, "eka", timezone="Asia/Jayapura")  # WIT
    clock.now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 22:00 WIB
    out = await h.press(tg["sari"], CONFIRM)
    assert [m.chat_id for m in out] == [tg["sari"]] and "dikirim: 5." in texts(out)
    found = await rows(db)
    assert {n: at for n, (_, _, at) in found.items()} == {
        "budi": TUESDAY_8_WIB, "sari": TUESDAY_8_WIB, "ani": TUESDAY_8_WIB,
        "dedi": datetime(2026, 11, 24, 0, 0, tzinfo=UTC),  # 08:00 WITA
        "eka": datetime(2026, 11, 23, 23, 0, tzinfo=UTC),  # 08:00 WIT, already Tuesday there
    }
    status = texts(await h.say(tg["sari"], "/ingatkan status"))
    assert "hari ini (23/11/2026)" in status and "Menunggu dikirim: 5\nTerkirim: 0" in status
    async with db.transaction() as s:
        keys = set((await s.execute(select(OutboxMessage.key))).scalars())
    # one a day, by the day it reaches them: pressed in Monday's quiet hours, it is Tuesday's
    assert {k.rsplit(":", 1)[1] for k in keys} == {"2026-11-24"}
    # 08:00 in Jayapura: Eka's arrives, nobody else's yet
    clock.now = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    await h.outbox.drain()
    assert [m.chat_id for m in h.session.sent() if "Pengingat dari" in (m.text or "")] == [tg["eka"]]
    # Ani sends her Evaluasi before her reminder goes out
    spec = h.bina.specs.forms["evaluasi_coachee"]
    ani, budi = await repo_id(db, "ani"), await repo_id(db, "budi")
    async with db.transaction() as s:
        draft = await repo.create_draft(s, ani, "kemenkes_tetap", "evaluasi", 2026, spec.id, spec.version,
                                        clock())
        await repo.submit(s, draft.id, {"status": "selesai"}, budi, clock())
    clock.now = TUESDAY_8_WIB
    await h.outbox.drain()
    found = await rows(db)
    assert found["ani"][:2] == ("dropped", "form_done")
    assert {n for n, (st, _, _) in found.items() if st == "sent"} == {"budi", "sari", "dedi", "eka"}
    status = texts(await h.say(tg["sari"], "/ingatkan status"))  # Tuesday: what went out today
    assert "hari ini (24/11/2026)" in status
    assert "Menunggu dikirim: 0\nTerkirim: 4\nTidak dapat dihubungi: 0\nTidak dikirim karena sudah diisi: 1" \
        in status


async def test_status_counts_the_unreachable_within_the_callers_scope(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    async with db.transaction() as s:
        await repo.set_blocked(s, tg["eka"], clock())
    h.session.blocked.add(tg["eka"])
    shown = texts(await h.say(tg["koor"], "/ingatkan"))
    assert "akan diingatkan: 8." in shown and "diblokir): 2." in shown  # Fajar unlinked, Eka blocked
    out = await h.press(tg["koor"], h.button(tg["koor"], "Kirim pengingat"))
    assert "dikirim: 8." in to(out, tg["koor"])
    found = await rows(db)
    assert found["fajar"][:2] == ("dropped", "not_linked") and found["eka"][:2] == ("failed", "blocked")
    koor = texts(await h.say(tg["koor"], "/ingatkan status"))
    assert "unit utama Sekretariat Jenderal" in koor
    assert "Menunggu dikirim: 0\nTerkirim: 6\nTidak dapat dihubungi: 2\nTidak dikirim karena sudah diisi: 0" \
        in koor
    pic = texts(await h.say(tg["sari"], "/ingatkan status"))  # Bagian Umum only: Fajar is not hers
    assert "Menunggu dikirim: 0\nTerkirim: 4\nTidak dapat dihubungi: 1\n" in pic
    # the status is for the PICs; a coachee is refused
    assert "hanya untuk PIC" in texts(await h.say(tg["ani"], "/ingatkan status"))


async def test_only_those_whose_turn_it_is_are_reminded(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    spec = h.bina.specs.forms["evaluasi_coachee"]
    dedi, eka, budi = [await repo_id(db, n) for n in ("dedi", "eka", "budi")]
    async with db.transaction() as s:
        for person in (dedi, eka):
            form = await repo.create_draft(s, person, "kemenkes_tetap", "evaluasi", 2026, spec.id,
                                           spec.version, clock())
            await repo.submit(s, form.id, {"status": "selesai"}, budi, clock())
            if person == eka:  # confirmed; the coach's own evaluation of her is still missing
                await repo.decide(s, form.id, Status.CONFIRMED, clock())
    shown = texts(await h.say(tg["sari"], "/ingatkan"))
    # both still count as not completed, but neither has anything to fill: their coach has
    assert "5 dari 5 pegawai" in shown and "akan diingatkan: 3." in shown
    out = await h.press(tg["sari"], h.button(tg["sari"], "Kirim pengingat (3)"))
    assert "dikirim: 3." in to(out, tg["sari"])
    assert set(await rows(db)) == {"budi", "sari", "ani"}


# --- programs people join, and logs ---------------------------------------------------

PROFESI = "Coaching & Mentoring Profesi"


async def enrol(db: Database, clock: Clock, program: str, **who: str) -> None:
    """Enrolments of 2026 with Koor as the coach: name -> status ("active", "requested", ...)."""
    async with db.transaction() as s:
        for name, status in who.items():
            s.add(Enrolment(employee_id=await _id(s, name), program=program, cycle=2026,
                            coach_id=await _id(s, "koor"), status=status, created_at=clock(),
                            updated_at=clock()))


async def form(db: Database, clock: Clock, name: str, program: str, activity: str, status: Status,
               occurrence: int = 0) -> None:
    async with db.transaction() as s:
        s.add(Submission(employee_id=await _id(s, name), program=program, activity=activity, year=2026,
                         occurrence=occurrence, form_id=activity, spec_version=1, answers={}, cursor=0,
                         status=status.value, late=False, submitted_at=clock(), created_at=clock(),
                         updated_at=clock()))


async def _id(s: AsyncSession, name: str) -> int:
    return int((await s.execute(select(Employee.id).where(Employee.nip == PEOPLE[name][0]))).scalar_one())


async def keys(db: Database) -> set[str]:
    async with db.transaction() as s:
        found = await s.execute(select(OutboxMessage.key).where(OutboxMessage.kind == "ingatkan"))
        return set(found.scalars())


async def test_a_pic_reminds_the_participants_of_a_program_people_join(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    # Ani and Dedi take part in Profesi; Eka only asked (not yet approved); Fajar is of another unit.
    await enrol(db, clock, "kemenkes_profesi", ani="active", dedi="active", eka="requested", fajar="active")
    await form(db, clock, "ani", "kemenkes_profesi", "sesi1", Status.CONFIRMED)
    shown = texts(await h.say(tg["sari"], "/ingatkan profesi pelaksanaan"))
    assert f"📣 {PROFESI}: kirim pengingat tahap Sesi Pelaksanaan tahun 2026 — unit kerja Bagian Umum" \
        in shown
    # both have the second session to do; only Ani, done with the first, can begin it
    assert "Belum menyelesaikan tahap ini: 2 dari 2 pegawai" in shown and "akan diingatkan: 1." in shown
    second = pack(ConfirmRemind("kemenkes_profesi", "sesi2", 2026))
    assert h.button(tg["sari"], "Kirim pengingat (1)") == second
    out = await h.press(tg["sari"], h.button(tg["sari"], "Kirim pengingat"))
    assert (f"✅ {PROFESI}, tahap Sesi Pelaksanaan: pengingat dijadwalkan untuk dikirim: 1. "
            "Sudah diingatkan hari ini, tidak dikirimi lagi: 0.") in to(out, tg["sari"])
    assert to(out, tg["ani"]) == \
        f"🔔 Pengingat dari Sari Test: tahap Sesi Pelaksanaan ({PROFESI}) belum Anda selesaikan."
    assert [m.chat_id for m in out if "Pengingat dari" in (m.text or "")] == [tg["ani"]]
    ani = await repo_id(db, "ani")
    assert await keys(db) == {f"{ani}:ingatkan:kemenkes_profesi:sesi2@2026:2026-11-23"}
    # "Isi sekarang" opens the second session's form
    opened = texts(await h.press(tg["ani"], h.sent_button(tg["ani"], "Isi sekarang", "Pengingat dari")))
    assert "Sesi Pelaksanaan" in opened and "Pertanyaan 1/" in opened
    # the same confirmation again sends nothing
    again = await h.press(tg["sari"], second)
    assert [m.chat_id for m in again] == [tg["sari"]]
    assert "dikirim: 0. Sudah diingatkan hari ini, tidak dikirimi lagi: 1." in texts(again)
    # no stage typed: the first session, which Dedi has not begun; nobody outside Profesi is counted
    shown = texts(await h.say(tg["sari"], "/ingatkan profesi"))
    assert "tahap Sesi Perencanaan" in shown and "1 dari 2 pegawai" in shown
    assert "akan diingatkan: 1." in shown
    out = await h.press(tg["sari"], h.button(tg["sari"], "Kirim pengingat"))
    assert [m.chat_id for m in out if "Pengingat dari" in (m.text or "")] == [tg["dedi"]]
    assert set(await rows(db)) == {"ani", "dedi"}
    # the koordinator's unit utama: Fajar too, who never linked his account
    koor = texts(await h.say(tg["koor"], "/ingatkan profesi sesi 1"))
    assert f"{PROFESI}: kirim pengingat tahap Sesi Perencanaan tahun 2026 — unit utama Sekretariat Jenderal" \
        in koor
    assert "2 dari 3 pegawai" in koor and "akan diingatkan: 2." in koor and "diblokir): 1." in koor
    # the third session is the coach's alone: nobody to remind
    out = await h.say(tg["sari"], "/ingatkan profesi sesi 3")
    assert "2 dari 2 pegawai" in texts(out) and "akan diingatkan: 0." in texts(out)
    assert "Tidak ada yang perlu diingatkan sekarang" in texts(out) and out[-1].reply_markup is None
    # Tetap as before, with the program named or not
    assert "tahap Checkpoint 1 tahun 2026" in texts(await h.say(tg["sari"], "/ingatkan tetap checkpoint 1"))
    assert "Kirim pengingat (5)" in h.buttons(tg["sari"])


async def test_an_unknown_program_or_stage_is_named_with_those_there_are(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    said = texts(await h.say(tg["sari"], "/ingatkan profesional sesi 1"))
    assert ("Tahap “profesional sesi 1” tidak dikenal di Coaching & Mentoring Tetap. Tahap yang ada: "
            "Perencanaan, Checkpoint 1, Checkpoint 2, Checkpoint 3, Evaluasi.") in said
    assert ("Program “profesional” tidak dikenal. Program yang ada: Coaching & Mentoring Tetap, "
            f"{PROFESI}, Coaching & Mentoring untuk Talenta.") in said
    said = texts(await h.say(tg["sari"], "/ingatkan profesi sesi 9"))
    assert said == (f"Tahap “sesi 9” tidak dikenal di {PROFESI}. Tahap yang ada: Sesi Perencanaan, "
                    "Sesi Pelaksanaan, Sesi Evaluasi.")
    assert not h.buttons(tg["sari"]) and await rows(db) == {}


async def test_a_forged_confirmation_reaches_only_the_callers_own_participants(
        db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await enrol(db, clock, "kemenkes_profesi", ani="active", dedi="active", fajar="active")
    profesi = pack(ConfirmRemind("kemenkes_profesi", "sesi1", 2026))
    # a coachee, and a coach, are refused whatever the button says
    for who in ("ani", "budi"):
        out = await h.press(tg[who], profesi)
        assert "hanya untuk PIC" in texts(out) and len(out) == 1
    # the PIC of Bagian Keuangan pressing Sari's button reaches Fajar only
    fajar = 106
    async with db.transaction() as s:
        await repo.link_telegram(s, await _id(s, "fajar"), fajar, "id", clock())
    await change(db, "fajar", roles="pic")
    out = await h.press(fajar, profesi)
    assert "dijadwalkan untuk dikirim: 1." in to(out, fajar) and {m.chat_id for m in out} == {fajar}
    assert set(await rows(db)) == {"fajar"}
    # Dedi leaves Profesi between Sari's look and her press: counted again, he is not reminded
    await h.say(tg["sari"], "/ingatkan profesi")
    assert "Kirim pengingat (2)" in h.buttons(tg["sari"])
    async with db.transaction() as s:
        await s.execute(update(Enrolment).where(Enrolment.employee_id == await _id(s, "dedi"))
                        .values(status="withdrawn"))
    out = await h.press(tg["sari"], h.button(tg["sari"], "Kirim pengingat"))
    assert "dikirim: 1." in to(out, tg["sari"]) and set(await rows(db)) == {"fajar", "ani"}
    # a program that is not running, a stage that is part of another, a cycle long gone: stale
    for forged in (ConfirmRemind("pupr", "sesi1", 2026), ConfirmRemind("kemenkes_profesi", "sesi9", 2026),
                   ConfirmRemind("kemenkes_tetap", "evaluasi_coach", 2026),
                   ConfirmRemind("kemenkes_profesi", "sesi1", 2020)):
        out = await h.press(tg["sari"], pack(forged))
        assert len(out) == 1 and "Pengingat dari" not in texts(out) and "dikirim" not in texts(out)
    assert set(await rows(db)) == {"fajar", "ani"}


async def test_a_log_is_reminded_to_those_without_a_confirmed_entry(db: Database, clock: Clock) -> None:
    await make_org(db, clock())
    h = Harness(db, clock, ("kemenkes_tetap", "langsa"))
    tg = {n: p[5] for n, p in PEOPLE.items() if p[5] is not None}
    # Ani: one entry confirmed, one waiting; Dedi: one waiting only
    await form(db, clock, "ani", "langsa", "coaching", Status.CONFIRMED, occurrence=1)
    await form(db, clock, "ani", "langsa", "coaching", Status.SUBMITTED, occurrence=2)
    await form(db, clock, "dedi", "langsa", "coaching", Status.SUBMITTED, occurrence=1)
    shown = texts(await h.say(tg["sari"], "/ingatkan langsa coaching"))
    assert "Coaching, Mentoring, dan Belajar Mandiri: kirim pengingat tahap Coaching tahun 2026" in shown
    assert "Belum menyelesaikan tahap ini: 4 dari 5 pegawai" in shown and "akan diingatkan: 4." in shown
    out = await h.press(tg["sari"], h.button(tg["sari"], "Kirim pengingat"))
    assert to(out, tg["eka"]) == ("🔔 Pengingat dari Sari Test: belum ada catatan Coaching (Coaching, "
                                  "Mentoring, dan Belajar Mandiri) Anda tahun ini yang dikonfirmasi. Ketik "
                                  "/sesi untuk menambah catatan.")
    assert set(await rows(db)) == {"budi", "sari", "dedi", "eka"}
    # "Isi sekarang" opens a new entry of the log, at its first question
    opened = texts(await h.press(tg["eka"], h.sent_button(tg["eka"], "Isi sekarang", "Pengingat dari")))
    assert "Hari, Tanggal" in opened
    listed = texts(await h.say(tg["sari"], "/belum_isi langsa coaching"))  # one line a person
    assert "4 dari 5 pegawai" in listed and listed.count("Dedi Test") == 1 and "Ani Test" not in listed
    # The recaps read a log as its entries: one confirmed is complete, one waiting is waiting.
    recap = texts(await h.say(tg["sari"], "/rekap langsa coaching"))
    assert "Bagian Umum: selesai 1 dari 5 (20%) · menunggu konfirmasi 1 · draf 0 · belum mengisi 3" in recap
    counts = texts(await h.say(tg["koor"], "/belum_isi langsa coaching"))
    assert "Bagian Umum: sudah 1 dari 5, belum 4" in counts


async def test_a_log_reminder_is_dropped_once_an_entry_is_logged(db: Database, clock: Clock) -> None:
    await make_org(db, clock())
    h = Harness(db, clock, ("kemenkes_tetap", "langsa"))
    tg = {n: p[5] for n, p in PEOPLE.items() if p[5] is not None}
    clock.now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 22:00 WIB: they wait for the morning
    await h.say(tg["sari"], "/ingatkan langsa coaching")
    await h.press(tg["sari"], h.button(tg["sari"], "Kirim pengingat"))
    assert set(await rows(db)) == {"ani", "budi", "sari", "dedi", "eka"}
    await form(db, clock, "eka", "langsa", "coaching", Status.DRAFT, occurrence=1)  # Eka begins an entry
    clock.now = TUESDAY_8_WIB
    await h.outbox.drain()
    found = await rows(db)
    assert found["eka"][:2] == ("dropped", "entry_logged")
    assert {n for n, (status, _, _) in found.items() if status == "sent"} == {"ani", "budi", "sari", "dedi"}
