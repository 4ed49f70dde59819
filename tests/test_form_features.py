"""The form vocabulary walked by the engine: sections by role, identity
fields, repeated rows, relevant fields, prefill, hours and scale answers,
and the date limit of log entries.

Transcripts of events and reply keys; every step round-trips the state
through JSON, as storage does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from flows import form_engine
from flows.conversation import Context
from flows.events import ChoicePicked, Event, SaveDraft, SubmitForm, TextReceived
from flows.form_engine import FormState, Frame, Step
from flows.form_render import options_of
from flows.form_view import initial_answers, questions, reshapes, summary_cursor, walk
from flows.messages import Msg
from flows.spec import FormSpec, ProgramSpec, Role, load_specs, parse_spec
from flows.validators import Invalid, parse_date

TODAY = date(2026, 11, 23)

PROFESI = """
kind: form
id: profesi
version: 1
title: t.profesi
sections:
  - id: data
    title: s.data
    fields:
      - {name: nama, type: identity, source: coachee.nama, label: t.nama}
      - {name: email, type: text, source: coachee.email, label: t.email}
      - {name: tanggal, type: date, label: t.tanggal}
  - id: given
    title: s.given
    repeat: {min: 1, max: 3}
    fields:
      - {name: rhk, type: text, label: t.rhk}
      - {name: target, type: text, label: t.target}
  - id: kendala
    title: s.kendala
    fields:
      - {name: ada_hambatan, type: yes_no, label: t.ada_hambatan}
      - {name: hambatan, type: text, label: t.hambatan, relevant: {field: ada_hambatan, is: ya}}
  - id: penilaian
    title: s.penilaian
    by: coach
    fields:
      - {name: skor, type: scale, label: t.skor}
      - {name: catatan, type: long_text, label: t.catatan, required: false}
"""

LOG = """
kind: form
id: belajar
version: 1
title: t.belajar
sections:
  - id: entri
    title: s.entri
    fields:
      - {name: tanggal, type: date, label: t.tanggal}
      - {name: jam, type: hours, label: t.jam}
      - {name: manfaat, type: scale, label: t.manfaat}
"""


def form(text: str) -> FormSpec:
    spec = parse_spec(text, "test.yaml")
    assert isinstance(spec, FormSpec)
    return spec


SPEC = form(PROFESI)
LOG_SPEC = form(LOG)
ROSTER = {"coachee.nama": "Budi Santoso", "coachee.email": "budi@kemkes.go.id"}


class Chat:
    def __init__(self, spec: FormSpec, answers: Mapping[str, str] | None = None, cursor: int = 0,
                 role: Role = "coachee", **frame: Any) -> None:
        self.frame = Frame(spec, TODAY, **frame)
        self.state: FormState | None = FormState(7, spec.id, spec.version, dict(answers or {}), cursor,
                                                 role=role)
        self._last: Step | None = None

    @property
    def last(self) -> Step:
        assert self._last is not None
        return self._last

    @property
    def form(self) -> FormState:
        assert self.state is not None
        return self.state

    def send(self, event: Event) -> Step:
        stored = json.loads(json.dumps(self.form.to_json()))
        restored = FormState.from_json(stored)
        assert restored == self.form
        self._last = form_engine.step(restored, event, self.frame)
        self.state = self._last.state
        return self._last

    def text(self, text: str) -> Step:
        return self.send(TextReceived(text))

    def press(self, action: str) -> Step:
        return self.send(ChoicePicked(f"f:7:{self.form.cursor}:{action}"))

    def view(self) -> list[str]:
        return [q.name for q in questions(self.frame.spec, self.form.answers, self.form.role,
                                          self.frame.filled_by)]

    def current(self) -> str | None:
        view = self.view()
        return view[self.form.cursor] if self.form.cursor < len(view) else None

    def answer(self, value: str) -> Step:
        view = questions(self.frame.spec, self.form.answers, self.form.role, self.frame.filled_by)
        values = [v for v, _ in options_of(view[self.form.cursor].field)]
        return self.press(f"o{values.index(value)}") if values else self.text(value)

    def fill(self, given: Mapping[str, str]) -> list[str]:
        """Answer every question up to the summary; the names asked, in order."""
        asked: list[str] = []
        while (name := self.current()) is not None:
            assert asked[-1:] != [name] or name.startswith("_more"), f"{name!r} refused: {keys(self.last)}"
            asked.append(name)
            self.answer(given[name])
        return asked

    def buttons(self) -> list[str]:
        return [b.data.split(":")[-1] for r in self.last.replies for row in r.buttons for b in row]

    def sent(self) -> Mapping[str, str]:
        step = self.press("send")
        assert step.state is None, keys(step)
        (done,) = step.commands
        assert isinstance(done, SubmitForm)
        return done.answers


def keys(step: Step) -> list[str]:
    return [m.key for r in step.replies for m in r.lines]


def lines(step: Step, key: str) -> list[Msg]:
    return [m for r in step.replies for m in r.lines if m.key == key]


def summary_labels(step: Step) -> list[str]:
    """The summary's answer lines as `n label=value`, identity lines as `label=value`."""
    out = []
    for m in lines(step, "form.summary_line") + lines(step, "form.summary_identity"):
        value = m.params["value"]
        shown = value.key if isinstance(value, Msg) else value
        out.append(f"{m.params.get('n', '-')} {m.params['label'].key}={shown}")
    return out


COACHEE = {"email": "budi@kemkes.go.id", "tanggal": "20/11/2026", "rhk": "RHK satu", "target": "T1",
           "_more.given.1": "tidak", "ada_hambatan": "tidak"}


# --- who fills what ---------------------------------------------------------------


def test_both_filled_form_asks_the_coachee_only_their_sections() -> None:
    chat = Chat(SPEC, initial_answers(SPEC, ROSTER), filled_by="both")
    asked = chat.fill(COACHEE)
    assert asked == ["email", "tanggal", "rhk", "target", "_more.given.1", "ada_hambatan"]
    step = chat.last
    assert "form.summary_title" in keys(step)
    # The whole form shows, the coach's part too, marked as theirs.
    assert [m.params["title"].key for m in lines(step, "form.summary_section")] == [
        "s.data", "s.given", "s.kendala"]
    assert lines(step, "form.summary_section_by") == [
        Msg("form.summary_section_by", {"title": Msg("s.penilaian"), "who": Msg("form.by_coach")})]
    assert "6 t.skor=form.summary_by_other" in summary_labels(step)  # not missed: the coach's part
    # Edit buttons for the coachee's own questions only, and one to add a row.
    assert [b for b in chat.buttons() if b.startswith("e")] == ["e0", "e1", "e2", "e3", "e4", "e5"]
    assert [m.params["mark"] for m in lines(step, "form.summary_add_row")] == ["A"]
    labels = [b.text for r in step.replies for row in r.buttons for b in row]
    assert Msg("button.add_row", {"mark": "A"}) in labels and Msg("button.edit", {"n": 5}) in labels
    answers = chat.sent()
    assert answers["nama"] == "Budi Santoso" and "skor" not in answers


def test_both_filled_form_asks_the_coach_only_theirs_and_shows_the_coachees_answers() -> None:
    coachee = {"nama": "Budi Santoso", "tanggal": "2026-11-20", "rhk": "RHK satu", "target": "T1",
               "ada_hambatan": "tidak"}
    chat = Chat(SPEC, coachee, role="coach", filled_by="both")
    assert chat.fill({"skor": "4", "catatan": "Bagus"}) == ["skor", "catatan"]
    step = chat.last
    # The coachee's answers, read-only, under the numbers the coachee sees.
    assert "3 t.rhk=RHK satu" in summary_labels(step)
    assert "6 t.skor=option.scale.4" in summary_labels(step)
    assert [b for b in chat.buttons() if b.startswith("e")] == ["e0", "e1"]
    assert [m.params["who"] for m in lines(step, "form.summary_section_by")] == [Msg("form.by_coachee")] * 3
    assert not lines(step, "form.summary_add_row")  # rows are the coachee's to add
    # The coachee's unanswered email is not the coach's to supply.
    answers = chat.sent()
    assert answers["skor"] == "4" and answers["rhk"] == "RHK satu" and "email" not in answers


def test_a_coach_cannot_edit_the_coachees_part_by_a_crafted_button() -> None:
    chat = Chat(SPEC, {"rhk": "RHK satu"}, cursor=2, role="coach", filled_by="both")
    step = chat.press("e2")
    assert keys(step)[0] == "error.stale_button" and chat.form.cursor == 2 and not chat.form.editing


def test_a_form_one_party_fills_asks_every_section() -> None:
    chat = Chat(SPEC, initial_answers(SPEC, ROSTER))
    asked = chat.fill({**COACHEE, "skor": "3", "catatan": "ok"})
    assert asked[-2:] == ["skor", "catatan"]
    assert lines(chat.last, "form.summary_section") and not lines(chat.last, "form.summary_section_by")


def test_role_survives_json_and_old_drafts_are_the_coachees() -> None:
    coach = FormState(7, "profesi", 1, role="coach")
    assert FormState.from_json(coach.to_json()).role == "coach"
    old = {k: v for k, v in coach.to_json().items() if k != "role"}
    assert FormState.from_json(old).role == "coachee"


# --- identity -------------------------------------------------------------------------


def test_identity_is_never_asked_shown_read_only_and_not_editable() -> None:
    chat = Chat(SPEC, initial_answers(SPEC, ROSTER))
    assert "nama" not in chat.view()
    assert chat.current() == "email"
    step = form_engine.show(chat.form, chat.frame)
    assert [m.params["value"] for m in lines(step, "form.current")] == ["budi@kemkes.go.id"]  # editable
    chat.fill({**COACHEE, "skor": "3", "catatan": "ok"})
    assert "- t.nama=Budi Santoso" in summary_labels(chat.last)
    # No edit button reaches it: every button opens a question of the view.
    edits = [int(b[1:]) for b in chat.buttons() if b.startswith("e")]
    assert all(chat.view()[i] != "nama" for i in edits)
    assert keys(chat.press(f"e{len(chat.view())}"))[0] == "error.stale_button"
    assert keys(chat.text("Nama Lain"))[0] == "error.use_buttons"
    assert chat.sent()["nama"] == "Budi Santoso"


# --- repeated rows ---------------------------------------------------------------------


def test_rows_are_added_up_to_the_maximum_and_no_further() -> None:
    chat = Chat(SPEC, initial_answers(SPEC, ROSTER))
    given = {**COACHEE, "_more.given.1": "ya", "rhk.2": "RHK dua", "target.2": "T2", "_more.given.2": "ya",
             "rhk.3": "RHK tiga", "target.3": "T3", "skor": "3", "catatan": "ok"}
    asked = chat.fill(given)
    assert asked[2:11] == ["rhk", "target", "_more.given.1", "rhk.2", "target.2", "_more.given.2",
                           "rhk.3", "target.3", "ada_hambatan"]  # no third "one more?" at the maximum
    step = chat.last
    assert [m.params["row"] for m in lines(step, "form.summary_row")] == [1, 2, 3]
    assert [x for x in summary_labels(step) if "rhk" in x] == ["3 t.rhk=RHK satu", "5 t.rhk=RHK dua",
                                                               "7 t.rhk=RHK tiga"]
    assert not lines(step, "form.summary_add_row")  # full: nothing to add
    answers = chat.sent()
    assert answers["rhk.3"] == "RHK tiga" and "rhk.4" not in answers


def test_the_row_question_says_which_row_of_how_many() -> None:
    chat = Chat(SPEC, initial_answers(SPEC, ROSTER))
    for value in ("budi@kemkes.go.id", "20/11/2026", "RHK satu", "T1"):
        step = chat.answer(value)
    (more,) = lines(step, "form.more_rows")
    assert more.params == {"title": Msg("s.given"), "next": 2, "max": 3}
    assert chat.buttons()[:2] == ["back", "cancel"] and "o0" in chat.buttons()  # Ya / Tidak
    step = chat.text("ya")
    assert [m.params["row"] for m in lines(step, "form.row")] == [2]
    assert chat.current() == "rhk.2"


def test_a_form_sent_back_opens_at_its_summary_however_many_rows() -> None:
    answers = {"rhk": "a", "_more.given.1": "ya", "rhk.2": "c", "_more.given.2": "ya", "rhk.3": "e"}
    cursor = summary_cursor(SPEC, answers)
    assert cursor == 13 > len(SPEC.fields)
    step = form_engine.show(FormState(7, SPEC.id, SPEC.version, answers, cursor), Frame(SPEC, TODAY))
    assert "form.summary_title" in keys(step)


def test_a_row_beyond_the_maximum_is_refused() -> None:
    crafted = {"rhk": "a", "target": "b", "_more.given.1": "ya", "rhk.2": "c", "target.2": "d",
               "_more.given.2": "ya", "rhk.3": "e", "target.3": "f", "_more.given.3": "ya", "rhk.4": "x"}
    assert "rhk.4" not in {q.name for q in walk(SPEC, crafted)}
    assert "_more.given.3" not in {q.name for q in walk(SPEC, crafted)}
    old = FormState(7, SPEC.id, SPEC.version - 1, crafted, 0)
    assert "rhk.4" not in form_engine.reconcile(old, SPEC).answers
    chat = Chat(SPEC, {**crafted, "email": "e", "tanggal": "2026-11-20", "ada_hambatan": "tidak",
                       "skor": "2"}, cursor=99)
    assert "rhk.4" not in chat.sent()


def test_saying_no_to_a_row_again_takes_the_later_rows_away() -> None:
    answers = {"email": "e", "tanggal": "2026-11-20", "rhk": "a", "target": "b", "_more.given.1": "ya",
               "rhk.2": "c", "target.2": "d", "_more.given.2": "ya", "rhk.3": "e", "target.3": "f"}
    chat = Chat(SPEC, answers, cursor=10)
    assert chat.current() == "ada_hambatan"
    while chat.current() != "_more.given.1":
        chat.press("back")
    step = chat.text("tidak")
    assert chat.current() == "ada_hambatan"
    assert not {"rhk.2", "target.2", "_more.given.2", "rhk.3", "target.3"} & set(chat.form.answers)
    assert chat.form.answers["rhk"] == "a"
    (save,) = step.commands
    assert isinstance(save, SaveDraft) and "rhk.3" not in save.answers


def test_a_row_is_added_from_the_summary_and_walked_before_returning() -> None:
    chat = Chat(SPEC, initial_answers(SPEC, ROSTER))
    chat.fill({**COACHEE, "skor": "3", "catatan": "ok"})
    (add,) = lines(chat.last, "form.summary_add_row")
    assert add.params == {"mark": "A", "title": Msg("s.given"), "next": 2, "max": 3}
    chat.press("e4")
    assert chat.current() == "_more.given.1" and chat.form.editing
    chat.text("ya")
    assert chat.current() == "rhk.2"
    chat.text("RHK dua")
    chat.text("T2")
    assert chat.current() == "_more.given.2"
    step = chat.text("tidak")
    assert chat.current() is None and "form.summary_title" in keys(step)
    assert "6 t.target=T2" in summary_labels(step)


def test_a_started_row_must_be_completed_before_sending() -> None:
    answers = {"email": "e", "tanggal": "2026-11-20", "rhk": "a", "target": "b", "_more.given.1": "ya",
               "rhk.2": "c", "ada_hambatan": "tidak", "skor": "1"}
    chat = Chat(SPEC, answers, cursor=99)
    step = chat.press("send")
    assert keys(step)[0] == "form.missing" and lines(step, "form.missing")[0].params == {"count": 1}
    assert chat.current() == "target.2"


def test_the_minimum_rows_are_asked_without_the_question() -> None:
    spec = form(PROFESI.replace("{min: 1, max: 3}", "{min: 2, max: 3}"))
    chat = Chat(spec, initial_answers(spec, ROSTER))
    asked = chat.fill({**COACHEE, "rhk.2": "c", "target.2": "d", "_more.given.2": "tidak", "skor": "3",
                       "catatan": "ok"})
    assert asked[2:7] == ["rhk", "target", "rhk.2", "target.2", "_more.given.2"]


def test_a_section_of_no_rows_at_least_asks_first_whether_to_fill_one() -> None:
    spec = form(PROFESI.replace("{min: 1, max: 3}", "{min: 0, max: 3}"))
    chat = Chat(spec, initial_answers(spec, ROSTER), cursor=2)
    step = form_engine.show(chat.form, chat.frame)
    assert chat.current() == "_more.given.0" and lines(step, "form.first_row")
    chat.text("ya")
    assert chat.current() == "rhk"
    chat.press("back")
    chat.text("tidak")
    assert chat.current() == "ada_hambatan"
    chat = Chat(spec, {"rhk": "a", "target": "b", "_more.given.0": "ya"}, cursor=4)
    assert chat.current() == "target"
    chat.press("back")
    chat.press("back")
    assert chat.current() == "_more.given.0"
    chat.text("tidak")
    assert not {"rhk", "target"} & set(chat.form.answers)


def test_reconcile_keeps_rows_and_their_more_answers() -> None:
    answers = {"rhk": "a", "rhk.2": "c", "_more.given.1": "ya", "target.2": "d", "dihapus": "x"}
    old = FormState(7, SPEC.id, SPEC.version - 1, answers, 3)
    new = form_engine.reconcile(old, SPEC)
    assert new.answers == {"rhk": "a", "rhk.2": "c", "_more.given.1": "ya", "target.2": "d"}
    assert questions(SPEC, new.answers)[new.cursor].name == "email"


# --- relevant ----------------------------------------------------------------------------


def test_a_field_is_asked_only_when_its_condition_holds() -> None:
    chat = Chat(SPEC, initial_answers(SPEC, ROSTER))
    asked = chat.fill({**COACHEE, "ada_hambatan": "ya", "hambatan": "Waktu", "skor": "3", "catatan": "ok"})
    assert asked[asked.index("ada_hambatan") + 1] == "hambatan"
    chat = Chat(SPEC, initial_answers(SPEC, ROSTER))
    assert "hambatan" not in chat.fill({**COACHEE, "skor": "3", "catatan": "ok"})


def test_an_answer_no_longer_relevant_is_hidden_and_not_sent() -> None:
    chat = Chat(SPEC, initial_answers(SPEC, ROSTER))
    chat.fill({**COACHEE, "ada_hambatan": "ya", "hambatan": "Waktu", "skor": "3", "catatan": "ok"})
    edit = chat.view().index("ada_hambatan")
    chat.press(f"e{edit}")
    step = chat.text("tidak")
    assert chat.current() is None
    assert not [x for x in summary_labels(step) if "t.hambatan" in x]
    assert chat.form.answers["hambatan"] == "Waktu"  # the draft keeps it, should the answer change back
    assert "hambatan" not in chat.sent()


def test_editing_to_make_a_field_relevant_asks_it_before_the_summary() -> None:
    chat = Chat(SPEC, initial_answers(SPEC, ROSTER))
    chat.fill({**COACHEE, "skor": "3", "catatan": "ok"})
    chat.press(f"e{chat.view().index('ada_hambatan')}")
    chat.text("ya")
    assert chat.current() == "hambatan"
    chat.text("Waktu")
    assert chat.current() is None and chat.sent()["hambatan"] == "Waktu"


def test_a_field_in_a_row_depends_on_its_own_row() -> None:
    target = "{name: target, type: text, label: t.target"
    spec = form(PROFESI.replace(target + "}", target + ", relevant: {field: rhk, is: ada}}"))
    answers = {"rhk": "ada", "_more.given.1": "ya", "rhk.2": "tidak ada"}
    names = [q.name for q in walk(spec, answers)]
    assert "target" in names and "target.2" not in names


def test_only_a_row_question_or_an_answer_a_condition_reads_changes_the_questions() -> None:
    # The engine keeps a step's questions when the answer does not reshape them.
    target = "{name: target, type: text, label: t.target"
    row_relevant = form(PROFESI.replace(target + "}", target + ", relevant: {field: rhk, is: ada}}"))
    seen = set()
    for spec in (SPEC, row_relevant, *load_specs().forms.values()):
        for answers in ({}, {"ada_hambatan": "ya", "_more.given.1": "ya", "rhk": "ada", "rhk.2": "ada"}):
            before = [q.name for q in walk(spec, answers)]
            for q in walk(spec, answers):
                seen.add(reshapes(spec, q))
                for value in (*(v for v, _ in options_of(q.field)), "ada", None):
                    changed = {k: v for k, v in answers.items() if k != q.name}
                    if value is not None:
                        changed[q.name] = value
                    if [x.name for x in walk(spec, changed)] != before:
                        assert reshapes(spec, q), (spec.id, q.name, value)
    assert seen == {True, False}


# --- prefill ----------------------------------------------------------------------------


def test_initial_answers_carry_rows_and_take_roster_facts() -> None:
    rencana = {"rhk": "a", "target": "b", "rhk.2": "c", "target.2": "d", "tanggal": "2026-01-10",
               "_more.given.2": "tidak"}
    answers = initial_answers(SPEC, ROSTER, rencana, carried=("rhk", "target"))
    assert answers == {"rhk": "a", "target": "b", "rhk.2": "c", "target.2": "d", "_more.given.1": "ya",
                       "nama": "Budi Santoso", "email": "budi@kemkes.go.id"}
    chat = Chat(SPEC, answers)
    assert chat.view()[:7] == ["email", "tanggal", "rhk", "target", "_more.given.1", "rhk.2", "target.2"]


def test_initial_answers_the_roster_wins_for_identity_the_carried_answer_for_the_rest() -> None:
    earlier = {"nama": "Nama Lama", "email": "lama@kemkes.go.id"}
    answers = initial_answers(SPEC, ROSTER, earlier, carried=("nama", "email"))
    assert answers["nama"] == "Budi Santoso" and answers["email"] == "lama@kemkes.go.id"
    assert initial_answers(SPEC, {}) == {}


# --- hours, scale, log dates --------------------------------------------------------------


@pytest.mark.parametrize("typed, outcome", [
    ("1,5", "1.5"), ("2", "2"), ("24", "24"), ("0,25", "0.25"),
    ("dua", "error.number"), ("25", "error.hours_range"), ("0", "error.hours_range"),
    ("-1", "error.hours_range"),
])
def test_hours(typed: str, outcome: str) -> None:
    chat = Chat(LOG_SPEC, {"tanggal": "2026-11-20"}, cursor=1)
    step = chat.text(typed)
    if outcome.startswith("error"):
        assert keys(step)[0] == outcome and chat.form.cursor == 1
        assert "form.hours_help" in keys(step)  # asked again, with its help line
    else:
        assert chat.form.answers["jam"] == outcome


def test_scale_by_button_number_or_label() -> None:
    words = {"option.scale.4": "4 — Baik"}
    chat = Chat(LOG_SPEC, {"tanggal": "2026-11-20", "jam": "2"}, cursor=2,
                words=lambda k: words.get(k, k))
    step = form_engine.show(chat.form, chat.frame)
    labels = [b.text.key for r in step.replies for row in r.buttons for b in row][2:]
    assert labels == [f"option.scale.{i}" for i in range(1, 6)]
    assert keys(chat.text("6"))[0] == "error.use_buttons"
    chat.text("4 — baik")
    assert chat.form.answers["manfaat"] == "4"
    chat.press("e2")
    chat.text("5")
    assert chat.form.answers["manfaat"] == "5"
    chat.press("e2")
    chat.press("o0")
    assert chat.form.answers["manfaat"] == "1"


@pytest.mark.parametrize("days_back, outcome", [
    (0, "ok"), (60, "ok"), (61, "error.date_too_old_days"), (-1, "error.date_future"),
])
def test_log_entries_are_dated_within_the_limit(days_back: int, outcome: str) -> None:
    chat = Chat(LOG_SPEC, date_max_age=timedelta(days=60))
    step = chat.text((TODAY - timedelta(days=days_back)).strftime("%d/%m/%Y"))
    if outcome == "ok":
        assert chat.form.answers["tanggal"] == (TODAY - timedelta(days=days_back)).isoformat()
    else:
        assert keys(step)[0] == outcome and "tanggal" not in chat.form.answers
    if outcome == "error.date_too_old_days":
        assert step.replies[0].lines[0].params == {"days": 60, "earliest": TODAY - timedelta(days=60)}


def test_the_default_limit_is_said_as_a_year_any_other_in_days() -> None:
    with pytest.raises(Invalid) as default:
        parse_date("01/01/2025", TODAY)
    assert default.value.key == "error.date_too_old"
    with pytest.raises(Invalid) as log:
        parse_date("01/01/2026", TODAY, timedelta(days=60))
    assert (log.value.key, log.value.params) == ("error.date_too_old_days",
                                                 {"days": 60, "earliest": TODAY - timedelta(days=60)})
    assert parse_date("24/09/2026", TODAY, timedelta(days=60)) == "2026-09-24"


def test_the_activity_sets_who_fills_and_how_old_a_date_may_be() -> None:
    program = parse_spec("""
kind: program
id: p
version: 1
title: t.p
activities:
  - {id: sesi, title: t.sesi, form: profesi, schedule: {kind: sequence}, filled_by: both}
  - {id: belajar, title: t.belajar, form: belajar, schedule: {kind: log, max_age_days: 30}}
""", "p.yaml")
    assert isinstance(program, ProgramSpec)
    ctx = Context({"profesi": SPEC, "belajar": LOG_SPEC}, programs={"p": program})
    now = datetime(2026, 11, 23, 3, tzinfo=UTC)
    sesi = ctx.frame(FormState(1, "profesi", 1, program="p", activity="sesi"), now)
    assert sesi.filled_by == "both"
    log = ctx.frame(FormState(2, "belajar", 1, program="p", activity="belajar"), now)
    assert log.filled_by == "coachee" and log.date_max_age == timedelta(days=30)
    unknown = ctx.frame(FormState(3, "belajar", 1), now)
    assert unknown.date_max_age == timedelta(days=400)
