"""The shipped programs and forms, checked against the guidelines they come
from: Kemenkes (seed 000, "K:") and Langsa (seed 002, "L:")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.i18n import Catalogs
from flows.form_spec import FormSpec, Section
from flows.jp import Claim, LedgerLine, credit, total
from flows.program_spec import ProgramSpec
from flows.spec import load_specs

SPECS = load_specs()
ID = Catalogs().messages["id"]
RHK_BLOCK = ["rhk", "iki", "target"]


def labels(form: FormSpec) -> list[str]:
    return [ID[f.label] for f in form.fields]


def options(form: FormSpec, name: str) -> list[str]:
    return [ID[o.label] for o in form.field(name).options]


def section_with(form: FormSpec, name: str) -> Section:
    return next(s for s in form.sections if name in [f.name for f in s.fields])


# --- Kemenkes Tetap --------------------------------------------------------------


def test_tetap_stages_and_the_coachs_evaluation() -> None:
    tetap = SPECS.programs["kemenkes_tetap"]
    assert [a.id for a in tetap.stages] == ["rencana", "checkin1", "checkin2", "checkin3", "evaluasi"]
    assert [tetap.activity(a).form for a in ("checkin1", "checkin2", "checkin3")] == ["risalah_checkin"] * 3
    assert tetap.activity("evaluasi").form == "evaluasi_coachee"
    coach = tetap.activity("evaluasi_coach")
    assert (coach.form, coach.filled_by, coach.sign_by, coach.part_of, coach.jp) == \
        ("evaluasi_coach", "coach", None, "evaluasi", None)
    assert coach.window == tetap.activity("evaluasi").window
    for stage in tetap.stages:  # 2 JP for each finished dialog (K:1069)
        assert stage.jp is not None and stage.jp.amount == 2 and stage.jp.when == {"status": "selesai"}


def test_each_dialog_starts_from_the_latest_rhk() -> None:
    tetap = SPECS.programs["kemenkes_tetap"]
    earlier: list[str] = ["rencana"]
    for stage in ("checkin1", "checkin2", "checkin3", "evaluasi"):
        prefill = tetap.activity(stage).prefill
        assert prefill is not None
        assert list(prefill.from_) == earlier and list(prefill.fields) == RHK_BLOCK, stage
        earlier = [stage, *earlier]


@pytest.mark.parametrize("form_id", ["rencana_pengembangan", "risalah_dialog_kinerja", "risalah_checkin",
                                     "evaluasi_coachee"])
def test_one_to_five_rhk_rows(form_id: str) -> None:
    form = SPECS.forms[form_id]
    given = section_with(form, "rhk")
    assert [f.name for f in given.fields] == RHK_BLOCK
    assert given.repeat is not None and (given.repeat.min, given.repeat.max) == (1, 5)  # K:903


def test_forms_whose_rhk_block_changed_have_a_new_version() -> None:
    assert SPECS.forms["rencana_pengembangan"].version >= 2
    assert SPECS.forms["risalah_dialog_kinerja"].version >= 2


def test_checkin_and_evaluation_are_the_risalah_and_their_own_questions() -> None:
    risalah = [f.name for f in SPECS.forms["risalah_dialog_kinerja"].fields]
    for form_id in ("risalah_checkin", "evaluasi_coachee"):
        form = SPECS.forms[form_id]
        names = [f.name for f in form.fields]
        assert names[:len(risalah)] == risalah, form_id
        added = form.fields[len(risalah):]
        assert added and all(f.extension for f in added), form_id  # the seed gives no fields
        assert not any(f.extension for f in form.fields[:len(risalah)]), form_id


def test_checkin_asks_about_the_seeds_other_development_programs() -> None:
    form = SPECS.forms["risalah_checkin"]
    rows = section_with(form, "program_lain")
    assert rows.repeat is not None and (rows.repeat.min, rows.repeat.max) == (0, 8)
    assert options(form, "program_lain") == [  # K:975-1019
        "Leadership Development Program", "Pelatihan Teknis dan Fungsional", "Belajar Mandiri",
        "Task Force", "Individual Project", "Group Project", "Independent Work",
        "Strategic Project Assignment",
    ]
    berakhlak = section_with(form, "berakhlak_penerapan")
    assert {f.type for f in berakhlak.fields} >= {"long_text", "scale"}
    assert "BerAKHLAK" in ID[berakhlak.title]


def test_the_coachs_evaluation_rates_and_responds_about_the_coachee() -> None:
    form = SPECS.forms["evaluasi_coach"]
    assert all(f.extension for f in form.fields)  # K:953 names the form, not its fields
    assert 5 <= len(form.fields) <= 8
    assert [f.name for f in form.fields if f.type == "scale"] == \
        ["nilai_kinerja", "nilai_kompetensi", "nilai_berakhlak"]  # the three aims, K:695
    assert any(f.type == "long_text" and f.required for f in form.fields)  # the tanggapan
    assert all("coachee" in ID[f.label] for f in form.fields if f.type == "scale")


def test_the_coachees_evaluation_is_short() -> None:
    form = SPECS.forms["evaluasi_coachee"]
    own = len(form.fields) - len(SPECS.forms["risalah_dialog_kinerja"].fields)
    assert 5 <= own <= 8


# --- Kemenkes Profesi and Talenta -------------------------------------------------

IDENTITY = ["Unit Utama", "Unit Kerja", "Nama", "NIP", "Jabatan"]
PHONE = "Phone number (digunakan untuk keperluan administrasi/kesekretariatan)"
COACHEE_ID = [*IDENTITY, "Email", PHONE, "Waktu Pelaksanaan Coaching/mentoring"]
COMMITMENT = "Dengan ini saya menyatakan komitmen saya dalam {} pengembangan karir dan kompetensi " \
             "sesuai yang tertera pada formulir ini"
SEED_FIELDS = {  # K:1743-1871, in the seed's order after the identity block
    "profesi_perencanaan": ["Goal", "Indikator Keberhasilan", "Area Pengembangan", "Support",
                            COMMITMENT.format("menjalankan rencana")],
    "profesi_pelaksanaan": ["Agenda", "Kesimpulan", "Rencana Tindak Lanjut", "Support dari Coach/mentor",
                            "Sesi Selanjutnya", COMMITMENT.format("melaksanakan")],
    "profesi_evaluasi": ["Goal", "Hasil", "Status", "Kesimpulan", "Catatan Coach/mentor",
                         COMMITMENT.format("mengevaluasi")],
}


@pytest.mark.parametrize("program_id", ["kemenkes_profesi", "kemenkes_talenta"])
def test_profesi_is_three_sessions_in_order_with_the_coachs_evaluation_last(program_id: str) -> None:
    program = SPECS.programs[program_id]
    assert (program.enrolment.mode, program.enrolment.coaches) == ("request", "coach_profesi")
    assert program.enrolment.flag == ("talenta" if program_id == "kemenkes_talenta" else None)
    acts = program.activities
    assert [a.form for a in acts] == ["profesi_perencanaan", "profesi_pelaksanaan", "profesi_evaluasi"]
    assert all(a.schedule.kind == "sequence" for a in acts)
    assert [(a.filled_by, a.sign_by) for a in acts] == [("both", "coach"), ("both", "coach"), ("coach", None)]
    assert [a.jp and a.jp.amount for a in acts] == [2, 2, 2]  # 6 JPL for 3 sessions, K:1083-1086
    assert [a.jp and a.jp.held_until for a in acts[:2]] == [acts[2].id, acts[2].id]  # K:1045
    assert program.stages == acts


@pytest.mark.parametrize("form_id", list(SEED_FIELDS))
def test_profesi_forms_have_exactly_the_seeds_fields(form_id: str) -> None:
    form = SPECS.forms[form_id]
    own = labels(form)[len(COACHEE_ID) + len(IDENTITY):]
    assert labels(form)[:len(COACHEE_ID) + len(IDENTITY)] == [*COACHEE_ID, *IDENTITY]
    seed = SEED_FIELDS[form_id]
    if SPECS.forms[form_id].has_part_for("coach", "coachee"):
        # Filled by both: each confirms the commitment for their own part, so
        # the seed's one box is asked twice; otherwise the seed's fields in order.
        first = own.index(seed[-1])
        assert own.count(seed[-1]) == 2 and own[-1] == seed[-1]
        own = own[:first] + own[first + 1:]
    assert own == seed
    assert not any(f.extension for f in form.fields)


@pytest.mark.parametrize("form_id", list(SEED_FIELDS))
def test_profesi_identity_comes_from_the_roster(form_id: str) -> None:
    form = SPECS.forms[form_id]
    coachee, coach = form.sections[0], form.sections[1]
    facts = ["unit_utama", "unit_kerja", "nama", "nip", "jabatan"]
    assert [(f.type, f.source) for f in coachee.fields[:5]] == [("identity", f"coachee.{x}") for x in facts]
    assert [(f.type, f.source) for f in coach.fields] == [("identity", f"coach.{x}") for x in facts]
    assert [f.source for f in coachee.fields[5:7]] == ["coachee.email", "coachee.phone"]  # W4
    assert coachee.fields[7].type == "date"
    assert [f.type for f in form.fields].count("date") == 1  # the coachee's column only


def test_profesi_options_are_the_seeds() -> None:
    form = SPECS.forms["profesi_evaluasi"]
    assert options(form, "status") == ["Selesai", "Tidak Selesai"]
    assert options(form, "kesimpulan") == ["Diatas Ekspetasi", "Sesuai Ekspetasi", "Dibawah Ekspetasi"]
    for form_id, seed in SEED_FIELDS.items():
        fields = SPECS.forms[form_id].fields
        assert {ID[f.label] for f in fields if f.type == "commitment"} == {seed[-1]}  # "Ya, saya berkomitmen"


@pytest.mark.parametrize("form_id, coachee_part, coach_part", [
    ("profesi_perencanaan", ["goal", "indikator_keberhasilan", "area_pengembangan", "komitmen"],
     ["support", "komitmen_coach"]),
    ("profesi_pelaksanaan", ["agenda", "kesimpulan", "rencana_tindak_lanjut", "komitmen"],
     ["support", "sesi_selanjutnya", "komitmen_coach"]),
])
def test_who_fills_which_part_of_a_profesi_session(form_id: str, coachee_part: list[str],
                                                    coach_part: list[str]) -> None:
    form = SPECS.forms[form_id]
    asked = {role: [f.name for s in form.sections if s.by == role for f in s.fields if f.type != "identity"]
             for role in ("coachee", "coach")}
    assert asked["coachee"] == ["email", "phone", "waktu_pelaksanaan", *coachee_part]
    assert asked["coach"] == coach_part


def test_profesi_guidance_is_the_seeds() -> None:
    form = SPECS.forms["profesi_perencanaan"]
    assert ID[form.field("goal").hint or ""] == "Tujuan kegiatan coaching."
    assert ID[form.field("support").hint or ""].startswith("Dukungan dari coach, dapat berupa modul")
    assert "perekat bangsa" in ID[form.field("area_pengembangan").hint or ""]


# --- Langsa ---------------------------------------------------------------------------


def test_langsa_is_three_logs() -> None:
    langsa = SPECS.programs["langsa"]
    assert langsa.enrolment.mode == "automatic"
    assert [(a.id, a.schedule.kind, a.sign_by) for a in langsa.activities] == [
        ("coaching", "log", "coach"), ("mentoring", "log", "coach"), ("belajar_mandiri", "log", "atasan")]
    assert all(getattr(a.schedule, "max_age_days", None) == 60 for a in langsa.activities)
    for a in langsa.activities:
        form = SPECS.forms[a.form]
        assert [ID[f.label] for f in form.fields[:2]] == ["Hari, Tanggal", "Materi Bimbingan"]  # L:144-256
        assert form.fields[0].type == "date"
        assert all(f.extension for f in form.fields[2:])  # not columns of the tables


def _log(program: ProgramSpec, entries: list[tuple[str, str, dict[str, str]]]) -> list[LedgerLine]:
    lines: list[LedgerLine] = []
    for activity, day, answers in entries:
        rule = program.activity(activity).jp
        assert rule is not None
        lines.append(credit(rule, Claim(program.id, activity, date.fromisoformat(day), answers), lines))
    return lines


def test_langsa_coaching_and_mentoring_are_capped_separately() -> None:
    langsa = SPECS.programs["langsa"]
    national, international = {"internasional": "tidak"}, {"internasional": "ya"}
    lines = _log(langsa, [
        ("coaching", "2026-03-02", national), ("coaching", "2026-03-09", international),
        ("coaching", "2026-03-16", national),  # a third in March: not counted (L:140)
        ("mentoring", "2026-03-03", national), ("mentoring", "2026-03-10", national),  # counted apart (W5)
        ("coaching", "2026-04-06", national),
    ])
    assert [x.credited for x in lines] == [2, 4, 0, 2, 2, 2]
    assert lines[2].reason.key == "jp.month_cap"


def test_langsa_self_study_is_hours_capped_per_day_then_international_bonus() -> None:
    langsa = SPECS.programs["langsa"]
    lines = _log(langsa, [
        ("belajar_mandiri", "2026-03-02", {"jam": "1.5", "internasional": "tidak"}),
        ("belajar_mandiri", "2026-03-02", {"jam": "1", "internasional": "tidak"}),  # 0.5 left that day
        ("belajar_mandiri", "2026-03-03", {"jam": "3", "internasional": "ya"}),  # 2 JP, then +20 %
    ])
    assert [x.credited for x in lines] == [Decimal("1.5"), Decimal("0.5"), Decimal("2.4")]
    assert total(lines) == Decimal("4.4")
