"""Profesi and Talenta by chat, over the real dispatcher: asking a coach,
the coach's answer, three sessions in order (two filled by both, the last by
the coach alone), and JP that wait for the coach's Form Evaluasi."""

from __future__ import annotations

from storage import repo
from storage.db import Database
from tests.conftest import Clock
from tests.org import make_org
from tests.test_bot import setup
from tests.tg import Harness, texts


async def answer_all(h: Harness, chat: int) -> str:
    """Answer every question of the open form with the first choice or a
    text, until its summary shows; returns all that was said."""
    said = []
    for i in range(40):
        buttons = h.buttons(chat)
        if any("Kirim" in b for b in buttons):
            return "\n".join(said)
        today = [d for label, d in buttons.items() if "Hari ini" in label]
        options = [d for d in buttons.values() if d.split(":")[-1].startswith("o")]
        if today:
            out = await h.press(chat, today[0])
        elif options:
            out = await h.press(chat, options[0])
        else:
            out = await h.say(chat, f"jawaban {i}")
        said.append(texts(out))
    raise AssertionError("summary never reached")


async def ask_koor(h: Harness, chat: int, program: str = "Profesi") -> str:
    await h.say(chat, "/program")
    await h.press(chat, h.button(chat, f"Ajukan diri: Coaching & Mentoring {program}"))
    return texts(await h.press(chat, h.button(chat, "Koor Test")))


async def test_profesi_from_request_to_completion(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    ani, koor = tg["ani"], tg["koor"]
    listing = texts(await h.say(ani, "/program"))
    assert "Tetap: Anda otomatis menjadi peserta" in listing and "Profesi: Anda dapat mengajukan" in listing
    assert "Talenta" not in listing  # only for people the roster marks as talenta
    said = await ask_koor(h, ani)
    assert "sudah dikirim kepada Koor Test" in said
    request = texts([m for m in h.session.sent() if m.chat_id == koor][-1:])
    assert "Ani Test" in request and "meminta Anda menjadi coach" in request
    # the coach approves from the notification; pressing again changes nothing
    approve = h.sent_button(koor, "Setujui")
    out = await h.press(koor, approve)
    assert "Anda menyetujui" in texts(out) and "menyetujui menjadi coach Anda" in texts(out)
    assert "sudah disetujui" in texts(await h.press(koor, approve))

    # session 1: Ani's part, then the coach's part, which is their signature
    assert "Pilih salah satu" in texts(await h.say(ani, "/isi"))  # Tetap's Rencana is due too
    opened = texts(await h.press(ani, h.button(ani, "Profesi: Sesi Perencanaan")))
    assert "Sesi Perencanaan" in opened
    await answer_all(h, ani)
    summary = texts(h.session.sent()[-1:])
    assert "Ani Test" in summary and "199003032015031003" in summary  # identity from the roster
    out = await h.press(ani, h.button(ani, "Kirim"))
    assert "Koor Test" in texts([m for m in out if m.chat_id == ani])
    to_coach = texts([m for m in out if m.chat_id == koor])
    assert "Bagian Anda belum diisi" in to_coach
    first = texts(await h.press(koor, h.sent_button(koor, "Isi bagian saya")))
    await answer_all(h, koor)
    assert "Pertanyaan 8/9" in first and "Support" in first  # only the coach's part, numbered as the form
    out = await h.press(koor, h.button(koor, "Kirim"))
    assert "JP sesi ini dihitung setelah" in texts(out)
    assert "0 dari hak 20 JP" in texts(await h.say(ani, "/status"))
    held = texts(await h.say(ani, "/jp"))
    assert "Sesi Perencanaan: JP dihitung setelah Sesi Evaluasi diisi oleh coach" in held

    # session 3 cannot be opened by the coachee, and is not due before session 2
    assert "diisi oleh coach Anda" in texts(await h.say(ani, "/isi Sesi Evaluasi"))
    await h.say(ani, "/isi")
    await h.press(ani, h.button(ani, "Profesi: Sesi Pelaksanaan"))
    await answer_all(h, ani)
    await h.press(ani, h.button(ani, "Kirim"))
    await h.press(koor, h.sent_button(koor, "Isi bagian saya"))
    await answer_all(h, koor)
    await h.press(koor, h.button(koor, "Kirim"))

    # session 3: the coach's own form, from /tinjau
    waiting = texts(await h.say(koor, "/tinjau"))
    assert "Ani Test — Sesi Evaluasi (diisi oleh Anda)" in waiting
    await h.press(koor, h.button(koor, "Ani Test"))
    await answer_all(h, koor)
    out = await h.press(koor, h.button(koor, "Kirim"))
    said = texts(out)
    assert "JP sesi sebelumnya kini dihitung: +4 JP" in said
    assert "selesai. Penyelesaian ini sudah dicatat" in said
    assert "6 dari hak 20 JP" in texts(await h.say(ani, "/status"))
    ledger = texts(await h.say(ani, "/jp"))
    assert ledger.count(": 2 JP") == 3 and "setelah Sesi Evaluasi" not in ledger
    async with db.transaction() as s:
        [enrolment] = [e for e in await repo.enrolments_of(s, (await repo.person_by_telegram(s, ani)).id)
                       if e.program == "kemenkes_profesi"]
        assert enrolment.status.value == "completed"


async def test_decline_with_reason_and_withdraw(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    ani, koor, eka = tg["ani"], tg["koor"], tg["eka"]
    await ask_koor(h, ani)
    decline = h.sent_button(koor, "Tolak", "Ani Test")
    assert "alasan" in texts(await h.press(koor, decline))
    out = await h.say(koor, "Jadwal saya penuh sampai Maret.")
    assert "Alasan: Jadwal saya penuh sampai Maret." in texts([m for m in out if m.chat_id == ani])
    assert "sudah ditolak" in texts(await h.press(koor, decline))  # pressed again
    # asking again after a refusal is a new request
    assert "sudah dikirim" in await ask_koor(h, ani)
    # a request withdrawn before the coach answers cannot then be approved
    await ask_koor(h, eka)
    approve = h.sent_button(koor, "Setujui", "Eka Test")
    await h.say(eka, "/program")
    out = await h.press(eka, h.button(eka, "Tarik permintaan"))
    assert "menarik permintaannya" in texts([m for m in out if m.chat_id == koor])
    assert "sudah ditarik" in texts(await h.press(koor, approve))
    # nobody else may answer a request
    other = h.sent_button(koor, "Setujui", "Ani Test")
    assert "pesan lama" in texts(await h.press(tg["budi"], other))


async def test_talenta_only_for_people_marked_in_the_roster(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    assert "Talenta: Anda dapat mengajukan" in texts(await h.say(tg["dedi"], "/program"))
    assert "sudah dikirim" in await ask_koor(h, tg["dedi"], "untuk Talenta")
    # a hand-made button for someone not marked is refused
    from flows.callbacks import JoinProgram, pack
    assert "hanya untuk pegawai yang ditandai" in texts(
        await h.press(tg["ani"], pack(JoinProgram("kemenkes_talenta"))))


async def test_a_coachee_cannot_open_the_coachs_form(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    h = Harness(db, clock)
    ani = org.tg("ani")
    from flows.callbacks import OpenActivity, pack
    out = await h.press(ani, pack(OpenActivity("kemenkes_tetap", "evaluasi_coach", org.ids["ani"], 2026)))
    assert "diisi oleh coach Anda (Budi Test)" in texts(out)
    # nor someone else's form as if they were the coach
    out = await h.press(ani, pack(OpenActivity("kemenkes_tetap", "evaluasi_coach", org.ids["dedi"], 2026)))
    assert "pesan lama" in texts(out)


async def test_a_coach_outside_the_list_cannot_be_asked(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    from flows.callbacks import PickCoach, pack
    async with db.transaction() as s:
        budi = await repo.person_by_telegram(s, tg["budi"])
    assert budi is not None  # not a profesi coach
    out = await h.press(tg["ani"], pack(PickCoach("kemenkes_profesi", budi.id)))
    assert "pesan lama" in texts(out)
    assert not [m for m in h.session.sent() if m.chat_id == tg["budi"]]
