"""What a new user stumbled over: each case through the real dispatcher on
SQLite and PostgreSQL, or as an engine transcript where the engine decides."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flows import conversation
from flows.conversation import Context
from flows.events import ChoicePicked, TextReceived
from flows.form_engine import FormState
from flows.form_view import questions, summary_cursor
from flows.messages import Msg
from flows.spec import load_specs
from storage import repo
from storage.db import Database
from tests.conftest import Clock
from tests.test_bot import fill_all, setup
from tests.tg import Harness, texts

SPECS = load_specs()
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def _english(key: str) -> str:
    from bot.i18n import Catalogs

    return Catalogs().render(Msg(key), "en")


def _step(state: FormState, event: object, words: object = str) -> tuple[object, list[str]]:
    ctx = Context(SPECS.forms, programs=SPECS.programs, words=words)  # type: ignore[arg-type]
    stored = conversation.state_from_json(json.loads(json.dumps(conversation.state_to_json(state))))
    step = conversation.step(stored, event, ctx, NOW)  # type: ignore[arg-type]
    return step.state, [m.key for r in step.replies for m in r.lines]


def _at(name: str, **kw: object) -> FormState:
    spec = SPECS.form_for("kemenkes_tetap", "evaluasi")
    cursor = [q.name for q in questions(spec, {})].index(name)
    return FormState(9, spec.id, spec.version, cursor=cursor, program="kemenkes_tetap",
                     activity="evaluasi", year=2026, **kw)  # type: ignore[arg-type]


# --- engine ---------------------------------------------------------------------------


def test_typed_choice_matches_labels_in_the_readers_language() -> None:
    for typed, value in (("Yes", "ya"), ("no", "tidak"), ("  NO! ", "tidak"), ("tidak", "tidak")):
        state, _ = _step(_at("penyesuaian_target"), TextReceived(typed), _english)
        assert isinstance(state, FormState) and state.answers["penyesuaian_target"] == value, typed
    state, _ = _step(_at("status"), TextReceived("completed"), _english)
    assert isinstance(state, FormState) and state.answers["status"] == "selesai"
    state, _ = _step(_at("status"), TextReceived("not completed"), _english)
    assert isinstance(state, FormState) and state.answers["status"] == "belum_selesai"
    state, keys = _step(_at("status"), TextReceived("maybe"), _english)
    assert isinstance(state, FormState) and "status" not in state.answers and "error.use_buttons" in keys


def test_belum_selesai_is_pointed_out_when_picked_and_in_the_summary() -> None:
    state, keys = _step(_at("status"), TextReceived("belum selesai"))
    assert "jp.dialog_not_finished" in keys
    assert isinstance(state, FormState)
    spec = SPECS.forms[state.form_id]
    at_summary = FormState(9, spec.id, spec.version, answers=state.answers, cursor=len(spec.fields),
                           program="kemenkes_tetap", activity="evaluasi", year=2026)
    _, keys = _step(at_summary, TextReceived("x"))
    assert "form.summary_title" in keys and "jp.dialog_not_finished" in keys
    _, keys = _step(_at("status"), TextReceived("selesai"))
    assert "jp.dialog_not_finished" not in keys


def test_footnote_only_where_a_field_is_marked() -> None:
    risalah = SPECS.forms["risalah_dialog_kinerja"]
    n = summary_cursor(risalah, {})
    _, keys = _step(FormState(9, risalah.id, risalah.version, cursor=n), TextReceived("x"))
    assert "form.summary_title" in keys and "form.summary_footnote" not in keys
    rencana = SPECS.forms["rencana_pengembangan"]
    _, keys = _step(FormState(9, rencana.id, rencana.version, cursor=summary_cursor(rencana, {})),
                    TextReceived("x"))
    assert "form.summary_footnote" in keys


def test_back_stays_in_the_same_place_with_or_without_an_earlier_answer() -> None:
    spec = SPECS.forms["risalah_dialog_kinerja"]
    ctx = Context(SPECS.forms, programs=SPECS.programs)
    state = FormState(9, spec.id, spec.version, answers={"tanggal": "2026-11-20", "rhk": "A"}, cursor=2)

    def first_button(s: FormState) -> str:
        step = conversation.step(s, TextReceived(""), ctx, NOW)
        return next(b.data for r in step.replies for row in r.buttons for b in row)

    for form in SPECS.forms.values():  # text, date, choice, yes/no and commitment questions alike
        for i in range(len(questions(form, {}))):
            assert first_button(FormState(9, form.id, form.version, cursor=i)).endswith(":back")
    assert first_button(state).endswith(":back")  # question 3, not yet answered
    step = conversation.step(state, ChoicePicked(first_button(state)), ctx, NOW)
    assert isinstance(step.state, FormState) and step.state.cursor == 1
    assert first_button(step.state).endswith(":back")  # question 2, answered: still first


def test_a_date_before_the_cycles_year_asks_for_confirmation() -> None:
    state, keys = _step(_at("tanggal"), TextReceived("15/12/2025"))
    assert isinstance(state, FormState) and "tanggal" not in state.answers and "form.date_before_year" in keys
    ok, _ = _step(state, ChoicePicked(f"f:9:{state.cursor}:date_ok"))
    assert isinstance(ok, FormState) and ok.answers["tanggal"] == "2025-12-15" and ok.cursor == 1
    changed, keys = _step(state, ChoicePicked(f"f:9:{state.cursor}:date_change"))
    assert isinstance(changed, FormState) and changed.pending is None and "form.question" in keys
    typed_yes, _ = _step(state, TextReceived("Yes"), _english)
    assert isinstance(typed_yes, FormState) and typed_yes.answers["tanggal"] == "2025-12-15"
    typed_no, _ = _step(state, TextReceived("tidak"))
    assert isinstance(typed_no, FormState) and typed_no.pending is None and "tanggal" not in typed_no.answers
    retyped, _ = _step(state, TextReceived("20/11/2026"))  # typing a new date also answers
    assert isinstance(retyped, FormState) and retyped.answers["tanggal"] == "2026-11-20"


# --- through the bot ------------------------------------------------------------------


async def sent_back(h: Harness, tg: dict[str, int], comment: str) -> None:
    """Ani sends her Rencana; Budi, her coach, asks for changes with `comment`."""
    await fill_all(h, tg["ani"])
    await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    await h.press(tg["budi"], h.button(tg["budi"], "Minta perbaikan"))
    await h.say(tg["budi"], comment)


async def test_stale_cancel_under_the_comment_prompt_tells_no_lie(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await fill_all(h, tg["ani"])
    await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    await h.press(tg["budi"], h.button(tg["budi"], "Minta perbaikan"))
    cancel = h.button(tg["budi"], "Batal")
    await h.say(tg["budi"], "Lengkapi IKI")
    out = await h.press(tg["budi"], cancel)
    assert "Tidak ada yang perlu dibatalkan" in texts(out) and "/tinjau" not in texts(out)
    async with db.transaction() as s:
        ani = await repo.person_by_telegram(s, tg["ani"])
        assert ani and (await repo.statuses(s, ani.id, "kemenkes_tetap", 2026))["rencana"].status.value \
            == "returned"


async def test_late_is_recorded_and_shown_everywhere(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await fill_all(h, tg["ani"])  # the Rencana window closed on 31/03
    out = await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    assert "Dikirim terlambat" in texts([m for m in out if m.chat_id == tg["budi"]])
    assert "Dikirim terlambat" in texts(await h.say(tg["budi"], "/tinjau"))
    assert "dikirim terlambat" in texts(await h.say(tg["ani"], "/status"))
    pic = texts(await h.say(tg["sari"], "/belum_isi rencana"))
    assert "Ani Test" in pic and "terlambat" in pic.split("Ani Test")[1].split("\n")[0]


async def test_status_marks_the_running_stage_and_late_ones(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    clock.now = datetime(2026, 8, 10, 3, 0, tzinfo=UTC)
    lines = texts(await h.say(tg["ani"], "/status")).split("\n")
    checkin2 = lines.index(next(x for x in lines if x.startswith("• Progress Check-in 2")))
    assert "jadwal terbuka, 51 hari lagi" in lines[checkin2 + 1]
    checkin3 = next(i for i, x in enumerate(lines) if x.startswith("• Progress Check-in 3"))
    assert lines[checkin3 + 1].startswith("•")  # not started yet: no flag
    rencana = next(i for i, x in enumerate(lines) if x.startswith("• Rencana"))
    assert "terlambat" in lines[rencana + 1]


async def test_person_without_coach_is_warned_and_the_form_reaches_a_coach_set_later(
    db: Database, clock: Clock
) -> None:
    from flows.roster import parse_rows
    from tests.org import roster_rows

    h, tg = await setup(db, clock)
    rows = roster_rows()
    eka = next(r for r in rows if r[1][1] == "Eka Test")
    eka[1][7] = ""  # no atasan in the roster
    good, _ = parse_rows(rows, allow_short_nip=False)
    async with db.transaction() as s:
        await repo.upsert_roster(s, good, clock())
    out = await h.say(tg["eka"], "/isi")
    first = texts(out)
    assert "belum tercatat" in first and "Pertanyaan 1/16" in first  # warned before question 1
    await fill_all(h, tg["eka"])
    out = await h.press(tg["eka"], h.button(tg["eka"], "Kirim"))
    assert "setelah PIC unit Anda mencatatnya" in texts(out)
    pic = texts(await h.say(tg["sari"], "/belum_isi rencana"))
    assert "belum ada coach" in pic.split("Eka Test")[1].split("\n")[0]
    eka[1][7] = rows[2][1][0]  # Budi becomes Eka's coach
    good, _ = parse_rows(rows, allow_short_nip=False)
    async with db.transaction() as s:
        await repo.upsert_roster(s, good, clock())
    assert "Eka Test" in texts(await h.say(tg["budi"], "/tinjau"))
    await h.press(tg["budi"], h.button(tg["budi"], "Eka Test"))
    out = await h.press(tg["budi"], h.button(tg["budi"], "Konfirmasi"))
    assert "Eka Test" in texts(out) and "+2 JP" in texts([m for m in out if m.chat_id == tg["eka"]])


async def test_belum_selesai_zero_jp_said_on_confirm_and_in_status(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await fill_all(h, tg["ani"])
    await h.press(tg["ani"], h.button(tg["ani"], "✏️ 14"))
    out = await h.press(tg["ani"], h.button(tg["ani"], "Belum Selesai"))
    assert "tidak menambah JP" in texts(out)  # said before sending
    await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    out = await h.press(tg["budi"], h.button(tg["budi"], "Konfirmasi"))
    assert "tidak menambah JP" in texts([m for m in out if m.chat_id == tg["budi"]])
    assert "tidak menambah JP" in texts([m for m in out if m.chat_id == tg["ani"]])
    assert "tidak menambah JP" in texts(await h.say(tg["ani"], "/status"))


async def test_opening_and_cancelling_makes_no_draft(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await h.say(tg["ani"], "/isi")
    await h.say(tg["ani"], "/batal")
    pic = texts(await h.say(tg["sari"], "/belum_isi rencana"))
    assert "draf" not in pic.split("Ani Test")[1].split("\n")[0]
    await h.say(tg["ani"], "/isi")
    await h.press(tg["ani"], h.button(tg["ani"], "Hari ini"))  # the first answer: now a draft
    pic = texts(await h.say(tg["sari"], "/belum_isi rencana"))
    assert "draf" in pic.split("Ani Test")[1].split("\n")[0]


async def test_stage_names_are_forgiving(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    # Typed as the stage's title, id or the seed sheet's name; shown as the sheet names it.
    for typed, shown in (("Rencana", "Perencanaan"), ("checkin 1", "Checkpoint 1"),
                         ("check-in1", "Checkpoint 1"), ("evaluation", "Evaluasi"),
                         ("CHECKPOINT 2", "Checkpoint 2"), ("Perencanaan", "Perencanaan")):
        out = texts(await h.say(tg["sari"], f"/belum_isi {typed}"))
        assert f"tahap {shown} tahun 2026" in out, typed
    out = await h.say(tg["sari"], "/belum_isi triwulan9")
    assert "tidak dikenal" in texts(out) and "Checkpoint 2" in h.buttons(tg["sari"])


async def test_coach_reviewing_mid_form_comes_back_to_it(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await fill_all(h, tg["sari"])
    await h.press(tg["sari"], h.button(tg["sari"], "Kirim"))
    fix = h.sent_button(tg["budi"], "perbaikan", "Sari Test")
    await h.say(tg["budi"], "/isi")
    await h.press(tg["budi"], h.button(tg["budi"], "Hari ini"))
    await h.press(tg["budi"], fix)
    out = await h.say(tg["budi"], "Tambahkan target")
    said = texts(out)
    assert "dikembalikan" in said and "Kembali ke formulir Anda" in said and "Pertanyaan 2/16" in said
    await h.say(tg["budi"], "RHK Budi")  # the next answer goes to his own form
    out = await h.say(tg["budi"], "/isi")
    assert "Pertanyaan 3/16" in texts(out)


async def test_resubmitted_form_is_marked_with_the_earlier_comment(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await sent_back(h, tg, "Lengkapi IKI dengan angka")
    await h.say(tg["ani"], "/isi")
    out = await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    to_budi = texts([m for m in out if m.chat_id == tg["budi"]])
    assert "Dikirim ulang setelah perbaikan" in to_budi and "Lengkapi IKI dengan angka" in to_budi
    assert "Dikirim ulang" in texts(await h.say(tg["budi"], "/tinjau"))


async def test_restart_resumes_with_the_form_header(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await h.say(tg["ani"], "/isi")
    await h.press(tg["ani"], h.button(tg["ani"], "Hari ini"))
    out = await Harness(db, clock).say(tg["ani"], "/isi")
    assert "Rencana Pengembangan" in texts(out) and "Melanjutkan draf" in texts(out)
    assert "sudah berakhir" in texts(out)  # still said to be late


async def test_linked_user_sharing_contact_is_not_greeted_with_a_placeholder(
    db: Database, clock: Clock
) -> None:
    from tests.tg import contact

    h, tg = await setup(db, clock)
    out = texts(await h.say(tg["ani"], **contact("+6281200000004", tg["ani"])))
    assert "{" not in out and "sudah terhubung" in out


async def test_returned_last_year_is_still_reachable_in_january(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await sent_back(h, tg, "Perbaiki IKI")
    clock.now = datetime(2027, 1, 5, 3, 0, tzinfo=UTC)
    out = texts(await h.say(tg["ani"], "/isi"))
    assert "Pilih salah satu" in out  # last year's returned form, and this year's Rencana
    out = texts(await h.press(tg["ani"], h.button(tg["ani"], "Rencana Pengembangan 2026 (perlu diperbaiki)")))
    assert "Perbaiki IKI" in out and "Ringkasan" in out
    out = await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    assert "Ani Test" in texts([m for m in out if m.chat_id == tg["budi"]])


async def test_a_race_for_a_new_row_is_run_again_not_called_an_outage(db: Database, clock: Clock) -> None:
    from sqlalchemy.exc import IntegrityError

    h, tg = await setup(db, clock)
    real = repo.open_turn
    calls = 0

    async def racing(*args: object, **kw: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))
        return await real(*args, **kw)  # type: ignore[arg-type]

    repo.open_turn = racing  # type: ignore[assignment]
    try:
        out = texts(await h.say(tg["ani"], "/status"))
    finally:
        repo.open_turn = real  # type: ignore[assignment]
    assert "Status 2026" in out and calls == 2



async def test_switching_a_program_off_breaks_nothing(db: Database, clock: Clock) -> None:
    from flows.spec import SpecSet

    h, tg = await setup(db, clock)
    await fill_all(h, tg["ani"])
    await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    await h.say(tg["budi"], "/isi")
    await h.press(tg["budi"], h.button(tg["budi"], "Hari ini"))  # Budi's own form is open
    confirm = h.sent_button(tg["budi"], "Konfirmasi")
    h.bina.specs = SpecSet(forms={}, programs={})  # kemenkes_tetap removed from BINA_PROGRAMS
    out = texts(await h.say(tg["budi"], "RHK"))
    assert "tidak lagi digunakan" in out  # the open draft's spec is gone: told, not crashed
    assert "Status 2026" in texts(await h.say(tg["budi"], "/status"))  # every other message works
    out = texts(await h.press(tg["budi"], confirm))
    assert "tidak lagi aktif" in out


async def test_confirming_mid_form_brings_the_question_back(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await fill_all(h, tg["ani"])
    await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    confirm = h.sent_button(tg["budi"], "Konfirmasi")
    await h.say(tg["budi"], "/isi")
    await h.press(tg["budi"], h.button(tg["budi"], "Hari ini"))
    out = texts(await h.press(tg["budi"], confirm))
    assert "dikonfirmasi" in out and "Pertanyaan 2/16" in out


async def test_one_persons_quick_messages_are_handled_in_arrival_order(db: Database, clock: Clock) -> None:
    import asyncio

    from tests.tg import message_update

    h, tg = await setup(db, clock)
    ani = tg["ani"]
    await h.say(ani, "/isi")
    await h.press(ani, h.button(ani, "Hari ini"))
    real = h.bina.handle
    calls = 0

    async def slow_first(*args: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:  # the first message is slow to get going (a busy pool, say)
            await asyncio.sleep(0.05)
        return await real(*args)  # type: ignore[arg-type]

    h.bina.handle = slow_first  # type: ignore[method-assign]
    other = tg["budi"]
    await asyncio.gather(h.feed(message_update(ani, "RHK pertama")), h.feed(message_update(ani, "IKI kedua")),
                         h.feed(message_update(other, "/status")))
    h.bina.handle = real  # type: ignore[method-assign]
    from tests.test_bot import answers_of

    answers = await answers_of(db, ani)
    assert answers["rhk"] == "RHK pertama" and answers["iki"] == "IKI kedua"
