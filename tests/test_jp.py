"""JP credit rules, told as a person's log: each entry and what it earned."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

import flows.jp
from bot.i18n import Catalogs, used_placeholders
from flows.jp import Claim, JpRule, LedgerLine, credit, reverse, total, totals_by_program
from flows.messages import Msg

# The rules as a program spec writes them under an activity's `jp:` key.
TETAP = JpRule.model_validate(yaml.safe_load(
    "{amount: 2, when: {status: selesai}, unmet_reason: jp.dialog_not_finished}"))
PROFESI = JpRule.model_validate(yaml.safe_load("{amount: 2}"))
COACHING = JpRule.model_validate(yaml.safe_load(
    "{amount: 2, amount_when: [{when: {internasional: ya}, amount: 4}], max_times_per_month: 2}"))
MENTORING = COACHING
MANDIRI = JpRule.model_validate(yaml.safe_load(
    "{hours_field: jam, max_jp_per_day: 2, bonus: {percent: 20, when: {internasional: ya}}}"))

RULES = {"rencana": TETAP, "sesi": PROFESI, "coaching": COACHING, "mentoring": MENTORING,
         "belajar_mandiri": MANDIRI}


class Person:
    """Keeps one person's ledger as storage would: each line gets an id."""

    def __init__(self, program: str = "langsa") -> None:
        self.program = program
        self.lines: list[LedgerLine] = []

    def log(self, activity: str, day: str, **answers: str) -> LedgerLine:
        claim = Claim(self.program, activity, date.fromisoformat(day), answers)
        return self._store(credit(RULES[activity], claim, self.lines))

    def correct(self, line: LedgerLine) -> LedgerLine:
        return self._store(reverse(line))

    def _store(self, line: LedgerLine) -> LedgerLine:
        stored = replace(line, id=len(self.lines) + 1)
        self.lines.append(stored)
        return stored


def D(text: str) -> Decimal:
    return Decimal(text)


# --- Kemenkes Tetap and Profesi (K:1069, K:1083) ---

def test_tetap_finished_dialog_earns_2_and_unfinished_earns_nothing_with_reason() -> None:
    ani = Person("kemenkes_tetap")
    assert ani.log("rencana", "2026-02-10", status="selesai").credited == D("2.0")

    line = ani.log("rencana", "2026-02-17", status="belum_selesai")
    assert line.credited == 0
    assert line.reason == Msg("jp.dialog_not_finished",
                              {"field": "status", "expected": "selesai", "given": "belum_selesai"})
    assert total(ani.lines) == D("2.0")


def test_a_condition_without_its_own_reason_says_which_answer_was_missing() -> None:
    rule = JpRule(amount=D(2), when={"status": "selesai"})
    line = credit(rule, Claim("p", "a", date(2026, 1, 5), {}), [])
    assert line.reason == Msg("jp.not_met", {"field": "status", "expected": "selesai", "given": ""})


def test_profesi_session_earns_2() -> None:
    budi = Person("kemenkes_profesi")
    lines = [budi.log("sesi", d) for d in ("2026-03-02", "2026-04-06", "2026-05-04")]
    assert [x.credited for x in lines] == [2, 2, 2]
    assert lines[0].reason == Msg("jp.credited", {"jp": D("2.0")})
    assert total(budi.lines) == 6  # "6 JPL untuk 3 sesi" (K:1086)


# --- Langsa coaching and mentoring: 2 JP, 4 international, 2 counted a month ---

def test_third_coaching_in_a_month_counts_nothing_and_next_month_counts_again() -> None:
    citra = Person()
    march = [citra.log("coaching", d) for d in ("2026-03-03", "2026-03-10", "2026-03-24")]
    assert [x.credited for x in march] == [2, 2, 0]
    assert march[2].claimed == 2 and march[2].base == 0
    assert march[2].reason == Msg("jp.month_cap", {"max": 2, "month": "03/2026"})  # L:140

    april = citra.log("coaching", "2026-04-01")
    assert april.credited == 2 and april.reason.key == "jp.credited"


def test_coaching_and_mentoring_are_capped_separately() -> None:
    dedi = Person()
    for activity in ("coaching", "mentoring", "coaching", "mentoring"):
        dedi.log(activity, "2026-05-11")
    assert total(dedi.lines) == 8  # L:140 and L:199 each allow 2 a month (W5)
    assert dedi.log("mentoring", "2026-05-29").credited == 0


def test_international_coaching_earns_4_and_shares_the_monthly_cap() -> None:
    eka = Person()
    first = eka.log("coaching", "2026-06-02", internasional="ya")
    assert (first.credited, first.rule) == (4, "amount_when[0]")  # L:172
    assert eka.log("coaching", "2026-06-09", internasional="tidak").credited == 2
    assert eka.log("coaching", "2026-06-16", internasional="ya").credited == 0


def test_a_reversed_line_frees_its_slot_under_the_monthly_cap() -> None:
    fajar = Person()
    first = fajar.log("coaching", "2026-07-01")
    fajar.log("coaching", "2026-07-08")
    assert fajar.log("coaching", "2026-07-15").credited == 0

    correction = fajar.correct(first)
    assert (correction.claimed, correction.base, correction.credited) == (-2, -2, -2)
    assert correction.reverses == first.id
    assert correction.reason == Msg("jp.reversed", {"jp": D("2.0")})

    assert fajar.log("coaching", "2026-07-22").credited == 2
    assert total(fajar.lines) == 4  # 2 + 2 + 0 - 2 + 2


def test_only_stored_lines_can_be_reversed_and_corrections_are_not_reversed() -> None:
    line = credit(PROFESI, Claim("p", "sesi", date(2026, 1, 5), {}), [])
    with pytest.raises(ValueError, match="id"):
        reverse(line)
    stored = replace(line, id=7)
    correction = replace(reverse(stored, Msg("jp.reversed", {"jp": 2})), id=8)
    with pytest.raises(ValueError, match="correction row"):
        reverse(correction)


# --- Langsa belajar mandiri: hours as JP, 2 JP a day, +20 % international after the cap ---

def test_self_study_is_capped_at_2_jp_a_day_and_the_next_day_counts_again() -> None:
    gita = Person()
    assert gita.log("belajar_mandiri", "2026-08-03", jam="1,5").credited == D("1.5")

    partly = gita.log("belajar_mandiri", "2026-08-03", jam="1")
    assert (partly.claimed, partly.base, partly.credited) == (1, D("0.5"), D("0.5"))
    day = date(2026, 8, 3)
    assert partly.reason == Msg("jp.day_cap_partial", {"max": D("2.0"), "already": D("1.5"), "day": day,
                                                      "jp": D("0.5"), "hours": D("1.0")})

    full = gita.log("belajar_mandiri", "2026-08-03", jam="1")
    assert full.credited == 0
    assert full.reason == Msg("jp.day_cap_reached", {"max": D("2.0"), "already": D("2.0"), "day": day})

    assert gita.log("belajar_mandiri", "2026-08-04", jam="1").credited == 1


def test_international_self_study_gets_20_percent_after_the_cap() -> None:
    hadi = Person()
    line = hadi.log("belajar_mandiri", "2026-09-07", jam="3", internasional="ya")
    assert (line.claimed, line.base, line.credited) == (3, 2, D("2.4"))  # L:278
    assert line.reason == Msg("jp.bonus", {
        "percent": 20, "jp": D("2.4"),
        "before": Msg("jp.day_cap", {"max": D("2.0"), "already": D("0.0"), "day": date(2026, 9, 7),
                                     "jp": D("2.0"), "hours": D("3.0")})})


def test_international_and_national_self_study_share_the_days_base_cap() -> None:
    indah = Person()
    national = indah.log("belajar_mandiri", "2026-10-05", jam="1.5")
    international = indah.log("belajar_mandiri", "2026-10-05", jam="2", internasional="ya")
    assert national.credited == D("1.5")
    assert (international.base, international.credited) == (D("0.5"), D("0.6"))
    assert total(indah.lines) == D("2.1")


def test_a_coaching_the_same_day_does_not_use_the_self_study_cap() -> None:
    joko = Person()
    joko.log("coaching", "2026-10-06")
    assert joko.log("belajar_mandiri", "2026-10-06", jam="2").credited == 2


@pytest.mark.parametrize("jam", ["dua", "", "-1", "25", "NaN", "Infinity"])
def test_hours_that_are_no_number_of_hours_credit_nothing_with_a_reason(jam: str) -> None:
    line = Person().log("belajar_mandiri", "2026-11-02", jam=jam)
    assert line.credited == 0 and line.reason == Msg("jp.hours_invalid", {"given": jam})


def test_zero_hours_say_the_activity_is_worth_nothing() -> None:
    line = Person().log("belajar_mandiri", "2026-11-02", jam="0")
    assert line.credited == 0 and line.reason == Msg("jp.zero")


# --- the vocabulary ---

def test_a_misspelt_key_fails_validation() -> None:
    with pytest.raises(ValidationError, match="max_per_mont"):
        JpRule.model_validate(yaml.safe_load("{amount: 2, max_per_mont: 2}"))
    with pytest.raises(ValidationError, match="percnt"):
        JpRule.model_validate(yaml.safe_load("{hours_field: jam, bonus: {percnt: 20}}"))


@pytest.mark.parametrize("text, problem", [
    ("{amount: 2, hours_field: jam}", "either amount or hours_field"),
    ("{max_times_per_month: 2}", "either amount or hours_field"),
    ("{amount: -1}", "greater than or equal to 0"),
    ("{amount: 2.25}", "decimal place"),
    ("{hours_field: jam, bonus: {percent: 0}}", "greater than 0"),
    ("{amount: 2, max_times_per_month: 0}", "greater than or equal to 1"),
    ("{hours_field: jam, max_jp_per_day: 0}", "greater than 0"),
    ("{hours_field: jam, amount_when: [{when: {internasional: ya}, amount: 4}]}", "amount_when needs amount"),
    ("{amount: 2, amount_when: [{when: {}, amount: 4}]}", "at least 1"),
    ("{amount: 2, unmet_reason: jp.dialog_not_finished}", "unmet_reason needs when"),
    ("{amount: 2, when: {status: selesai}, unmet_reason: Belum selesai}", "pattern"),
])
def test_rules_that_make_no_sense_are_refused(text: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        JpRule.model_validate(yaml.safe_load(text))


def test_jp_amounts_are_exact_to_one_decimal_place() -> None:
    rule = JpRule.model_validate(yaml.safe_load("{amount: 1.5, max_jp_per_day: 2.5}"))
    assert rule.amount == D("1.5") and rule.max_jp_per_day == D("2.5")


def test_fields_used_names_every_answer_a_rule_reads() -> None:
    assert TETAP.fields_used() == ("status",)
    assert PROFESI.fields_used() == ()
    assert COACHING.fields_used() == ("internasional",)
    assert MANDIRI.fields_used() == ("internasional", "jam")
    assert MANDIRI.conditions() == (("internasional", "ya"),)
    assert TETAP.message_keys() == {"jp.dialog_not_finished"}


# --- totals ---

def test_totals_by_program_for_a_year() -> None:
    kiki = Person("kemenkes_tetap")
    kiki.log("rencana", "2025-12-20", status="selesai")
    kiki.log("rencana", "2026-02-10", status="selesai")
    langsa = Person()
    langsa.log("belajar_mandiri", "2026-03-01", jam="3", internasional="ya")
    lines = kiki.lines + langsa.lines
    assert totals_by_program(lines, 2026) == {"kemenkes_tetap": 2, "langsa": D("2.4")}
    assert totals_by_program(lines, 2025) == {"kemenkes_tetap": 2}


# --- texts ---

def test_every_jp_reason_is_in_both_catalogs_with_the_same_placeholders() -> None:
    source = Path(flows.jp.__file__).read_text()
    keys = {n.value for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.startswith("jp.")}
    keys |= TETAP.message_keys()
    assert {"jp.credited", "jp.not_met", "jp.month_cap", "jp.bonus"} <= keys
    messages = Catalogs().messages
    for key in keys:
        assert key in messages["id"] and key in messages["en"], key
        assert used_placeholders(messages["id"][key]) == used_placeholders(messages["en"][key]), key


def test_the_month_cap_reason_reads_as_the_seed_says() -> None:
    reason = Msg("jp.month_cap", {"max": 2, "month": "03/2026"})
    assert "maksimal dihitung 2 kali dalam 1 bulan" in Catalogs().render(reason, "id")
