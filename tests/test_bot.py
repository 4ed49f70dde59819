"""The real aiogram Dispatcher fed real update JSON, over SQLite and PostgreSQL;
assertions are on the Bot API calls made."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from aiogram.methods import SetMyCommands
from aiogram.types import ReplyKeyboardMarkup

from storage import repo
from storage.db import Database
from tests.conftest import Clock
from tests.org import PEOPLE, make_org
from tests.tg import PHOTO, STICKER, VOICE, Harness, contact, message_update, texts


async def fill_all(h: Harness, chat: int) -> None:
    """Answer every question until the summary shows."""
    await h.say(chat, "/isi")
    for i in range(40):
        buttons = h.buttons(chat)
        if any("Kirim" in b for b in buttons):
            return
        today = [d for label, d in buttons.items() if "Hari ini" in label]
        options = [d for d in buttons.values() if d.split(":")[-1].startswith("o")]
        asked = h.session.sent()[-1].text or ""
        if "Tambah baris" in asked or "Isi baris" in asked:  # one row of each repeated block
            await h.press(chat, h.button(chat, "Tidak"))
        elif today:
            await h.press(chat, today[0])
        elif options:
            await h.press(chat, options[0])
        else:
            await h.say(chat, f"jawaban {i}")
    raise AssertionError("summary never reached")


async def setup(db: Database, clock: Clock) -> tuple[Harness, dict[str, int]]:
    org = await make_org(db, clock())
    h = Harness(db, clock)
    return h, {name: org.tg(name) for name, p in PEOPLE.items() if p[5] is not None}


async def answers_of(db: Database, tg: int) -> dict[str, str]:
    """The rencana draft: held by the conversation while the form is open,
    by the submission row otherwise."""
    async with db.transaction() as s:
        turn = await repo.open_turn(s, tg, datetime.now(UTC))
        assert turn
        records = await repo.statuses(s, turn.person.id, "kemenkes_tetap", 2026)
        state = turn.state
    if "rencana" not in records:
        return {}
    if state and state.get("flow") == "form" and state["submission_id"] == records["rencana"].id:
        return dict(state["answers"])
    return records["rencana"].answers


# --- registration ------------------------------------------------------------------


async def test_start_with_invite_code_links_and_greets(db: Database, clock: Clock) -> None:
    h, _ = await setup(db, clock)
    async with db.transaction() as s:
        (_person, code), = await repo.create_invites(s, None, clock(), timedelta(days=30))
    start = message_update(900, f"/start {code}")
    out = await h.feed(start)
    assert "Selamat datang di Bina, Fajar Test" in texts(out) and "/isi" in texts(out)
    assert await h.feed(start) == []  # the linking update delivered again: handled once
    assert any(isinstance(c, SetMyCommands) and c.scope and c.scope.type == "chat" for c in h.session.calls)
    # the same code again, from another account
    out = await h.say(901, f"/start {code}")
    assert "sudah digunakan" in texts(out)
    assert isinstance(out[0].reply_markup, ReplyKeyboardMarkup)  # offers the contact button


async def test_start_unknown_and_expired_codes(db: Database, clock: Clock) -> None:
    h, _ = await setup(db, clock)
    assert "tidak dikenal" in texts(await h.say(900, "/start AAAA"))
    async with db.transaction() as s:
        (_p, code), = await repo.create_invites(s, None, clock(), timedelta(days=30))
    clock.now += timedelta(days=31)
    assert "kedaluwarsa" in texts(await h.say(900, f"/start {code}"))


async def test_contact_sharing(db: Database, clock: Clock) -> None:
    h, _ = await setup(db, clock)
    out = await h.say(900, "/start")
    assert out[0].reply_markup.keyboard[0][0].request_contact
    # someone else's contact is refused
    assert "bukan nomor Anda" in texts(await h.say(900, **contact("+62 812 0000 0009", 12345)))
    # unknown number
    assert "tidak ada di data pegawai" in texts(await h.say(900, **contact("+628999", 900)))
    # own number matching the roster (Fajar, row 9 in tests/org.py) in another notation
    out = await h.say(900, **contact("+6281200000009", 900))
    assert "Fajar Test" in texts(out)
    async with db.transaction() as s:
        person = await repo.person_by_telegram(s, 900)
        assert person and person.nama == "Fajar Test"
    # one account, one employee: the number is now taken
    assert "sudah terhubung" in texts(await h.say(901, **contact("081200000009", 901)))


async def test_unregistered_user_is_told_how_to_join(db: Database, clock: Clock) -> None:
    h, _ = await setup(db, clock)
    for update in ({"text": "halo"}, STICKER, {"text": "/isi"}, {"text": "/belum_isi"}):
        out = await h.say(777, **update)
        assert "belum terhubung" in texts(out)


# --- the form and the review --------------------------------------------------------


async def test_fill_submit_confirm_earns_jp(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    out = await h.say(tg["ani"], "/isi")
    assert "Rencana Pengembangan" in texts(out) and "terlambat" in texts(out)
    assert "Pertanyaan 1/16" in texts(out)
    await fill_all(h, tg["ani"])
    out = await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    to_ani = [m for m in out if m.chat_id == tg["ani"]]
    to_budi = [m for m in out if m.chat_id == tg["budi"]]
    assert "Terkirim" in texts(to_ani)
    assert "Ani Test" in texts(to_budi) and "jawaban 1" in texts(to_budi)
    # status shows waiting; the coach's /tinjau lists it
    assert "menunggu konfirmasi coach" in texts(await h.say(tg["ani"], "/status"))
    assert "Ani Test" in texts(await h.say(tg["budi"], "/tinjau"))
    opened = await h.press(tg["budi"], h.button(tg["budi"], "1. Ani Test"))
    assert "jawaban 1" in texts(opened)  # the coach may read the answers
    out = await h.press(tg["budi"], h.button(tg["budi"], "Konfirmasi"))
    assert "+2 JP" in texts([m for m in out if m.chat_id == tg["ani"]])
    status = texts(await h.say(tg["ani"], "/status"))
    assert "✅ dikonfirmasi coach" in status and "2 dari hak 20 JP" in status
    # pressing Konfirmasi again changes nothing
    again = await h.press(tg["budi"], h.button(tg["budi"], "Konfirmasi"))
    assert "sudah diproses" in texts(again) and all(m.chat_id == tg["budi"] for m in again)
    # PIC sees Ani done for rencana, never the answers
    pic = texts(await h.say(tg["sari"], "/belum_isi rencana"))
    assert "Ani Test" not in pic and "4 dari 5 pegawai" in pic and "jawaban" not in pic


async def test_request_changes_and_resubmit(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await fill_all(h, tg["ani"])
    await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    out = await h.press(tg["budi"], h.button(tg["budi"], "Minta perbaikan"))
    assert "Tulis apa yang perlu diperbaiki" in texts(out)
    assert "hanya bisa menerima teks" in texts(await h.say(tg["budi"], **STICKER))
    out = await h.say(tg["budi"], "Lengkapi IKI dengan angka")
    assert "dikembalikan" in texts([m for m in out if m.chat_id == tg["budi"]])
    assert "Lengkapi IKI dengan angka" in texts([m for m in out if m.chat_id == tg["ani"]])
    assert "perlu perbaikan" in texts(await h.say(tg["ani"], "/status"))
    out = await h.say(tg["ani"], "/isi")
    assert "Lengkapi IKI dengan angka" in texts(out) and "Ringkasan" in texts(out)
    await h.press(tg["ani"], h.button(tg["ani"], "✏️ 3"))
    await h.say(tg["ani"], "IKI 95%")
    out = await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    assert "IKI 95%" in texts([m for m in out if m.chat_id == tg["budi"]])
    assert (await answers_of(db, tg["ani"]))["iki"] == "IKI 95%"


async def test_belum_selesai_confirmed_earns_no_jp(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await fill_all(h, tg["ani"])
    await h.press(tg["ani"], h.button(tg["ani"], "✏️ 14"))
    await h.press(tg["ani"], h.button(tg["ani"], "Belum Selesai"))
    await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    out = await h.press(tg["budi"], h.button(tg["budi"], "Konfirmasi"))
    assert "(0 JP)" in texts(out)
    assert "0 dari hak 20 JP" in texts(await h.say(tg["ani"], "/status"))


async def test_draft_survives_cancel_commands_and_restart(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    ani = tg["ani"]
    await h.say(ani, "/isi")
    await h.press(ani, h.button(ani, "Kemarin"))
    await h.say(ani, "RHK pertama")
    # a command in the middle works, and the form stays open
    out = await h.say(ani, "/status")
    assert "Status 2026" in texts(out) and "masih terbuka" in texts(out)
    out = await h.say(ani, "IKI pertama")
    assert "Pertanyaan 4/16" in texts(out)
    assert "Dibatalkan" in texts(await h.say(ani, "/batal"))
    async with db.transaction() as s:  # leaving the form moved the draft to the submission
        person = await repo.person_by_telegram(s, ani)
        assert person
        record = (await repo.statuses(s, person.id, "kemenkes_tetap", 2026))["rencana"]
        assert record.answers["iki"] == "IKI pertama" and record.cursor == 3
    # a brand-new process (restart) resumes where they were
    h2 = Harness(db, clock)
    out = await h2.say(ani, "/isi")
    assert "Melanjutkan draf" in texts(out) and "Pertanyaan 4/16" in texts(out)
    assert await answers_of(db, ani) == {"tanggal": "2026-11-22", "rhk": "RHK pertama", "iki": "IKI pertama"}


async def test_bad_input_explained_draft_kept(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    ani = tg["ani"]
    await h.say(ani, "/isi")
    await h.press(ani, h.button(ani, "Hari ini"))
    for content in (STICKER, PHOTO, VOICE):
        out = await h.say(ani, **content)
        assert "hanya bisa menerima teks" in texts(out) and "Pertanyaan 2/16" in texts(out)
    assert "kosong" in texts(await h.say(ani, "   "))
    out = await h.say(ani, "x" * 2500)
    assert "2500 karakter; maksimal 2000" in texts(out)
    assert await answers_of(db, ani) == {"tanggal": "2026-11-23"}


async def test_stale_buttons_and_duplicate_updates(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    ani = tg["ani"]
    await h.say(ani, "/isi")
    today = h.button(ani, "Hari ini")
    await h.press(ani, today)
    out = await h.press(ani, today)  # pressed twice / from an old message
    assert "pesan lama" in texts(out) and "Pertanyaan 2/16" in texts(out)
    update = message_update(ani, "RHK sekali", update_id=555)
    first = await h.feed(update)
    assert "Pertanyaan 3/16" in texts(first)
    assert await h.feed(update) == []  # the same update delivered twice: handled once
    assert (await answers_of(db, ani))["rhk"] == "RHK sekali"
    assert "Pertanyaan 3/16" in texts(await h.say(ani, "/isi"))


async def test_two_messages_at_once_are_not_lost(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    ani = tg["ani"]
    await h.say(ani, "/isi")
    await h.press(ani, h.button(ani, "Hari ini"))
    await asyncio.gather(h.say(ani, "jawaban A"), h.say(ani, "jawaban B"))
    answers = await answers_of(db, ani)
    assert {answers["rhk"], answers["iki"]} == {"jawaban A", "jawaban B"}


async def test_blocked_coach_logged_and_coachee_told(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await fill_all(h, tg["ani"])
    h.session.blocked.add(tg["budi"])
    out = await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    assert "Terkirim" in texts([m for m in out if m.chat_id == tg["ani"]])
    async with db.transaction() as s:
        budi = await repo.person_by_telegram(s, tg["budi"])
        assert budi and budi.blocked
    # the form still waits for the coach under /tinjau; writing again clears the mark
    h.session.blocked.clear()
    assert "Ani Test" in texts(await h.say(tg["budi"], "/tinjau"))
    async with db.transaction() as s:
        budi = await repo.person_by_telegram(s, tg["budi"])
        assert budi and not budi.blocked


async def test_database_unavailable_says_try_again_and_corrupts_nothing(
    db: Database, clock: Clock, tmp_path
) -> None:
    h, tg = await setup(db, clock)
    ani = tg["ani"]
    await h.say(ani, "/isi")
    await h.press(ani, h.button(ani, "Hari ini"))
    working = h.bina.db
    broken = Database(
        f"sqlite+aiosqlite:///{tmp_path}/missing/dir/x.db" if db.url.startswith("sqlite")
        else "postgresql+asyncpg://bina@127.0.0.1:1/nothing"
    )
    h.bina.db = broken
    try:
        out = await h.say(ani, "RHK saat DB mati")
        assert "coba" in texts(out).lower() or "kirim ulang" in texts(out)
    finally:
        h.bina.db = working
        await broken.dispose()
    out = await h.say(ani, "/isi")
    assert "Pertanyaan 2/16" in texts(out)
    assert await answers_of(db, ani) == {"tanggal": "2026-11-23"}


# --- roles and monitoring -------------------------------------------------------------


async def test_roles_may_only_use_their_commands(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    assert "hanya untuk PIC" in texts(await h.say(tg["ani"], "/belum_isi"))
    assert "hanya untuk PIC" in texts(await h.say(tg["budi"], "/belum_isi rencana"))
    assert "belum tercatat sebagai coach" in texts(await h.say(tg["ani"], "/tinjau"))
    assert "/belum_isi" in texts(await h.say(tg["sari"], "/tinjau"))  # a PIC gets the role message
    # in the Evaluasi window a coach has only their own evaluation of each coachee to fill
    waiting = texts(await h.say(tg["budi"], "/tinjau"))
    assert "Ani Test — Evaluasi oleh Coach/Mentor (diisi oleh Anda)" in waiting and "dikirim" not in waiting
    help_ani = texts(await h.say(tg["ani"], "/bantuan"))
    assert "/isi" in help_ani and "/belum_isi" not in help_ani and "/tinjau" not in help_ani
    help_sari = texts(await h.say(tg["sari"], "/bantuan"))
    assert "/belum_isi" in help_sari
    assert "/tinjau" in texts(await h.say(tg["budi"], "/help"))
    assert "tidak dikenal" in texts(await h.say(tg["ani"], "/hapus_semua"))


async def test_belum_isi_scopes(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    pic = texts(await h.say(tg["sari"], "/belum_isi"))
    assert "tahap Evaluasi tahun 2026" in pic and "5 dari 5 pegawai" in pic  # stage of today's window
    assert "Fajar" not in pic and "Bagian Umum" in pic
    koor = texts(await h.say(tg["koor"], "/belum_isi rencana"))  # counts per unit, not pages of names
    assert "sudah selesai 0 dari 8 pegawai (0%)" in koor and "Ani" not in koor
    assert "🏢 Bagian Keuangan: sudah 0 dari 1, belum 1" in koor
    assert "🏢 Bagian Umum: sudah 0 dari 5, belum 5" in koor
    pembina = texts(await h.say(tg["kepala"], "/belum_isi checkin1"))
    assert "seluruh instansi" in pembina and "Sekretariat Jenderal: sudah 0 dari 8" in pembina
    out = await h.say(tg["sari"], "/belum_isi triwulan9")
    # stages carry the seed sheet's names, which PICs know
    assert "tidak dikenal" in texts(out) and "Perencanaan" in h.buttons(tg["sari"])
    # a stage button under the list switches stage
    out = await h.press(tg["sari"], h.button(tg["sari"], "Perencanaan"))
    assert "tahap Perencanaan tahun 2026" in texts(out)


async def test_belum_isi_paginates_long_lists(db: Database, clock: Clock) -> None:
    from flows.roster import parse_rows

    h, tg = await setup(db, clock)
    rows = [(i, [f"19900101201501{i:04d}", f"Pegawai Dengan Nama Cukup Panjang {i}",
                 "Pranata Komputer Ahli Pertama pada Subbagian Tata Usaha", "III/a", "",
                 "Sekretariat Jenderal", "Bagian Umum", "", "", "", "", ""]) for i in range(2, 302)]
    good, errors = parse_rows(rows, allow_short_nip=False)
    assert not errors
    async with db.transaction() as s:
        await repo.upsert_roster(s, good, clock())
    out = await h.say(tg["sari"], "/belum_isi rencana")
    assert len(out) == 1 and len(out[0].text) <= 4096
    assert "305 dari 305 pegawai" in out[0].text and "Halaman 1/" in out[0].text
    seen = out[0].text
    pages = int(out[0].text.split("Halaman 1/")[1].split()[0])
    assert pages > 1
    for _ in range(pages - 1):
        out = await h.press(tg["sari"], h.button(tg["sari"], "Berikutnya"))
        assert len(out[0].text) <= 4096
        seen += out[0].text
    assert "305. " in seen and "Pegawai Dengan Nama Cukup Panjang 301" in seen


async def test_language_switch(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    out = await h.say(tg["ani"], "/bahasa")
    out = await h.press(tg["ani"], h.button(tg["ani"], "English"))
    assert "Language set to English" in texts(out)
    helped = texts(await h.say(tg["ani"], "/help"))
    assert "What you can do" in helped and "/history — the forms you have sent" in helped
    assert "/fill — fill in the form" in helped and "/riwayat" not in helped and "/isi" not in helped
    menus = [c for c in h.session.calls
             if isinstance(c, SetMyCommands) and c.scope and c.scope.type == "chat"]
    assert [c.command for c in menus[-1].commands][:4] == ["fill", "status", "jp", "history"]
    # Each command answers to its English name and its Indonesian one, in either language.
    assert "Question 1/16" in texts(await h.say(tg["ani"], "/fill"))
    assert "Question 1/16" in texts(await h.say(tg["ani"], "/isi"))
    assert "/review is for coaches" in texts(await h.say(tg["ani"], "/review"))
    assert texts(await h.say(tg["budi"], "/tinjau")) == texts(await h.say(tg["budi"], "/Review"))
    assert texts(await h.say(tg["sari"], "/not_filled")) == texts(await h.say(tg["sari"], "/belum_isi"))


async def test_coach_can_pause_own_form_to_request_changes(db: Database, clock: Clock) -> None:
    """A coach who is also a coachee keeps their own draft while reviewing."""
    h, tg = await setup(db, clock)
    await fill_all(h, tg["sari"])
    await h.press(tg["sari"], h.button(tg["sari"], "Kirim"))
    await h.say(tg["budi"], "/isi")
    await h.press(tg["budi"], h.button(tg["budi"], "Hari ini"))
    fix = h.sent_button(tg["budi"], "perbaikan", "Sari Test")
    out = await h.press(tg["budi"], fix)
    assert "Draf formulir Anda disimpan" in texts(out)
    await h.say(tg["budi"], "Tambahkan target")
    assert (await answers_of(db, tg["budi"]))["tanggal"] == "2026-11-23"
    assert "Pertanyaan 2/16" in texts(await h.say(tg["budi"], "/isi"))




async def test_stage_without_confirmation_completes_on_send(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    program = h.bina.specs.programs["kemenkes_tetap"]
    unconfirmed = program.model_copy(update={"activities": (
        program.activities[0].model_copy(update={"sign_by": None}), *program.activities[1:],
    )})
    h.bina.specs = h.bina.specs.model_copy(update={"programs": {"kemenkes_tetap": unconfirmed}})
    await fill_all(h, tg["ani"])
    out = await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    assert "selesai (+2 JP)" in texts(out) and all(m.chat_id == tg["ani"] for m in out)
    assert "2 dari hak 20 JP" in texts(await h.say(tg["ani"], "/status"))
