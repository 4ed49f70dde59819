"""Specs load, broken specs fail naming file and problem, catalogs complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.i18n import Catalogs, used_placeholders
from flows.spec import SpecError, load_specs, parse_spec
from flows.validators import BUILTIN_OPTIONS

FORM = """
kind: form
id: f
version: 1
title: t
sections:
  - id: s
    title: s
    fields:
      - {name: a, type: text, label: l}
"""


def test_bundled_specs_load() -> None:
    specs = load_specs()
    tetap = specs.programs["kemenkes_tetap"]
    assert [s.id for s in tetap.stages] == ["rencana", "checkin1", "checkin2", "checkin3", "evaluasi"]
    assert specs.form_for("kemenkes_tetap", "rencana").id == "rencana_pengembangan"
    assert all(s.jp and s.jp.amount == 2 for s in tetap.stages)


def test_unknown_key_suggests_spelling() -> None:
    with pytest.raises(SpecError) as e:
        parse_spec(FORM.replace("label: l", "lable: l"), "x.yaml")
    assert "x.yaml: sections[0].fields[0].lable: unknown key (did you mean 'label'?)" in str(e.value)


def test_wrong_type_names_path() -> None:
    with pytest.raises(SpecError) as e:
        parse_spec(FORM.replace("{name: a, type: text, label: l}",
                                "{name: a, type: text, label: l, max_len: many}"), "y.yaml")
    assert "y.yaml: sections[0].fields[0].max_len: expected int" in str(e.value)


def test_unknown_field_type() -> None:
    with pytest.raises(SpecError, match=r"unknown field type 'txt' \(did you mean 'text'\?\)"):
        parse_spec(FORM.replace("type: text", "type: txt"), "z.yaml")


def test_kind_required() -> None:
    with pytest.raises(SpecError, match=r"z\.yaml: kind"):
        parse_spec(FORM.replace("kind: form", "kind: fomr"), "z.yaml")


def test_bad_yaml() -> None:
    with pytest.raises(SpecError, match=r"bad\.yaml: not valid YAML"):
        parse_spec("a: [", "bad.yaml")


def _write(root: Path, program: str) -> None:
    (root / "forms").mkdir()
    (root / "programs").mkdir()
    (root / "forms" / "f.yaml").write_text(FORM.replace("type: text", "type: choice, options: "
                                                        "[{value: ok, label: o}]"))
    (root / "programs" / "p.yaml").write_text(program)


PROGRAM = """
kind: program
id: p
version: 1
title: p
activities:
  - {id: s1, title: s, form: FORMID, schedule: {kind: window, opens: "01-01", closes: "03-31"}, jp: JP}
"""


@pytest.mark.parametrize("form_id, jp, problem", [
    ("g", "{amount: 2}", "activities[0].form: unknown form 'g'"),
    ("f", "{amount: 2, when: {b: ok}}", "activities[0].jp: unknown field 'b'"),
    ("f", "{amount: 2, when: {a: nope}}", "activities[0].jp: a: 'nope' is not one of"),
    ("f", "{amount: 2, when_answer: {a: ok}}", "activities[0].jp.when_answer: unknown key"),
])
def test_cross_checks(tmp_path: Path, form_id: str, jp: str, problem: str) -> None:
    _write(tmp_path, PROGRAM.replace("FORMID", form_id).replace("JP", jp))
    with pytest.raises(SpecError) as e:
        load_specs(tmp_path)
    assert problem in str(e.value)
    assert "p.yaml" in str(e.value)


def test_bad_window(tmp_path: Path) -> None:
    _write(tmp_path, PROGRAM.replace("FORMID", "f").replace("JP", "null").replace('"03-31"', '"March"'))
    with pytest.raises(SpecError, match=r"schedule\.window\.closes: .*expected MM-DD"):
        load_specs(tmp_path)


@pytest.mark.parametrize("opens, closes, problem", [
    ("02-30", "03-31", "02-30 is not a day of the year"),
    ("04-01", "03-31", "closes before it opens"),
])
def test_impossible_windows_are_refused(tmp_path: Path, opens: str, closes: str, problem: str) -> None:
    _write(tmp_path, PROGRAM.replace("FORMID", "f").replace("JP", "null")
           .replace('"01-01"', f'"{opens}"').replace('"03-31"', f'"{closes}"'))
    with pytest.raises(SpecError, match=problem):
        load_specs(tmp_path)


def test_a_window_across_the_year_end_is_said_so(tmp_path: Path) -> None:
    _write(tmp_path, PROGRAM.replace("FORMID", "f").replace("JP", "null")
           .replace('"01-01"', '"12-01"').replace('"03-31"', '"01-31", crosses_year_end: true'))
    activity = load_specs(tmp_path).programs["p"].activities[0]
    assert activity.window is not None
    assert [str(d) for d in activity.window.dates(2026)] == ["2026-12-01", "2027-01-31"]


@pytest.mark.parametrize("change, problem", [
    (("kind: window", "kind: windw"), r"schedule\.kind: unknown kind 'windw' \(did you mean 'window'\?\)"),
    (("kind: window, opens", "kind: log, opens"), r"schedule\.log\.opens: unknown key"),
    (("jp: null", "jp: null, filled_by: both"), "no section of 'f' has by: coach"),
    (("jp: null", "jp: null, sign_by: penilai"), r"sign_by: Input should be 'coach' or 'atasan'"),
    (("jp: null", "jp: {amount: 2, held_until: s9}"), r"jp\.held_until: unknown activity 's9'"),
    (("jp: null", "jp: null, part_of: s9"), "unknown activity 's9'"),
    (("jp: null", "jp: null, prefill: {from: [s1], fields: [zz]}"), "prefill: field 'zz'"),
    (("title: p", "title: p\nenrolment: {mode: request}"), "coaches .* exactly when mode is request"),
])
def test_program_vocabulary_is_checked(tmp_path: Path, change: tuple[str, str], problem: str) -> None:
    _write(tmp_path, PROGRAM.replace("FORMID", "f").replace("JP", "null").replace(*change))
    with pytest.raises(SpecError, match=problem):
        load_specs(tmp_path)


@pytest.mark.parametrize("field, problem", [
    ("{name: b, type: identity, label: l}", "an identity field needs a source"),
    ("{name: b, type: identity, label: l, source: coachee.name}", "did you mean 'coachee.nama'"),
    ("{name: b, type: text, label: l, relevant: {field: zz, is: ya}}", "unknown field 'zz'"),
    ("{name: a, type: text, label: l}", "field name 'a' is used twice"),
])
def test_form_vocabulary_is_checked(field: str, problem: str) -> None:
    text = FORM.replace("      - {name: a, type: text, label: l}",
                        f"      - {{name: a, type: text, label: l}}\n      - {field}")
    with pytest.raises(SpecError, match=problem):
        parse_spec(text, "f.yaml")


def test_a_form_extends_another(tmp_path: Path) -> None:
    _write(tmp_path, PROGRAM.replace("FORMID", "g").replace("JP", "null"))
    (tmp_path / "forms" / "g.yaml").write_text(FORM.replace("id: f", "id: g").replace("id: s", "id: s2")
                                               .replace("name: a", "name: b") + "extends: f\n")
    form = load_specs(tmp_path).forms["g"]
    assert [f.name for f in form.fields] == ["a", "b"]


def test_unknown_program_selected() -> None:
    with pytest.raises(SpecError, match="BINA_PROGRAMS: unknown program"):
        load_specs(programs=["nope"])


def test_catalogs_complete_and_consistent() -> None:
    catalogs = Catalogs()
    ids, en = catalogs.messages["id"], catalogs.messages["en"]
    assert set(ids) == set(en)
    for key in ids:
        assert ids[key].strip() and en[key].strip(), key
        assert used_placeholders(ids[key]) == used_placeholders(en[key]), key
    needed = load_specs().message_keys() | {label for opts in BUILTIN_OPTIONS.values() for _, label in opts}
    assert needed <= set(ids), needed - set(ids)


def test_every_key_in_code_is_in_catalog() -> None:
    import re

    root = Path(__file__).resolve().parent.parent
    keys: set[str] = set()
    for folder in ("flows", "bot"):
        for path in (root / folder).rglob("*.py"):
            keys |= set(re.findall(r'(?:Msg|say|Invalid|RowError\([^,]+,)\(?\s*"([a-z_]+\.[a-z_.]+)"',
                                   path.read_text()))
    assert len(keys) > 60  # the scan itself works
    missing = {k for k in keys if k not in Catalogs().messages["id"]}
    assert not missing
