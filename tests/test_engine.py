"""The engine as transcripts: events in, reply keys and commands out.

Every step round-trips the state through JSON, as storage does.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from flows import conversation
from flows.conversation import Context, ReviewCommentState
from flows.events import (
    ChoicePicked,
    CommandReceived,
    Event,
    HandleChoice,
    NonTextReceived,
    ReturnForm,
    RunCommand,
    SaveDraft,
    SubmitForm,
    TextReceived,
)
from flows.form_engine import FormState, Step
from flows.form_view import Question, questions
from flows.messages import Reply
from flows.spec import load_specs

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
SPECS = load_specs()
SPEC = SPECS.forms["rencana_pengembangan"]
CTX = Context(SPECS.forms)
N = len(questions(SPEC, {}))  # one RHK / IKI / Target row, and "one more row?" answered no


class Chat:
    def __init__(self, state: Any = None) -> None:
        self.state = state
        self.last: Step | None = None

    def send(self, event: Event) -> Step:
        stored = json.loads(json.dumps(conversation.state_to_json(self.state)))
        restored = conversation.state_from_json(stored)
        step = conversation.step(restored, event, CTX, NOW)
        self.state = step.state
        self.last = step
        return step

    def text(self, text: str) -> Step:
        return self.send(TextReceived(text))

    def press(self, action: str) -> Step:
        assert isinstance(self.state, FormState)
        return self.send(ChoicePicked(f"f:{self.state.submission_id}:{self.state.cursor}:{action}"))

    def buttons(self) -> list[str]:
        assert self.last is not None
        return [b.data for r in self.last.replies for row in r.buttons for b in row]


def keys(step: Step) -> list[str]:
    return [m.key for r in step.replies for m in r.lines]


def fresh() -> Chat:
    return Chat(FormState(7, SPEC.id, SPEC.version))


def current(chat: Chat) -> Question:
    assert isinstance(chat.state, FormState)
    return questions(SPEC, chat.state.answers)[chat.state.cursor]


def answer_current(chat: Chat) -> Step:
    assert isinstance(chat.state, FormState)
    q = current(chat)
    f = q.field
    if q.more:
        return chat.press("o1")  # no more rows
    if f.type == "date":
        return chat.text("22/11/2026")
    if f.type in ("choice", "yes_no", "commitment"):
        return chat.press("o0")
    return chat.text(f"jawaban {f.name}")


def test_walks_the_whole_form_by_grow_sections_and_submits() -> None:
    chat = fresh()
    sections_seen = []
    for i in range(N):
        assert chat.state.cursor == i
        step = answer_current(chat)
        assert any(isinstance(c, SaveDraft) for c in step.commands)  # saved at every step
        sections_seen += [m.params["title"].key for r in step.replies for m in r.lines
                          if m.key == "form.section"]
    assert sections_seen == ["section.given", "section.goal", "section.reality", "section.options",
                             "section.will", "section.penutup"]
    assert chat.state.cursor == N
    assert "form.summary_title" in keys(chat.last)
    assert chat.state.answers["tanggal"] == "2026-11-22"
    assert chat.state.answers["penyesuaian_target"] == "ya"
    assert chat.state.answers["status"] == "selesai"
    step = chat.press("send")
    assert step.state is None
    assert step.commands == (SubmitForm(7, chat.last.commands[0].answers),)
    assert step.commands[0].answers["komitmen"] == "ya"


def test_grow_hints_shown_with_section() -> None:
    chat = fresh()
    for _ in range(5):  # date, RHK, IKI, Target, "one more row?"
        step = answer_current(chat)
    hints = [m.params["hint"].key for r in step.replies for m in r.lines if m.key == "form.grow_hint"]
    assert hints == ["grow.goal.1", "grow.goal.2", "grow.goal.3", "grow.goal.4"]


def test_back_and_skip_and_cancel() -> None:
    chat = fresh()
    answer_current(chat)
    answer_current(chat)
    step = chat.press("back")
    assert chat.state.cursor == 1
    assert "form.current" in keys(step)  # the earlier answer is shown
    assert step.replies[-1].buttons  # keep-answer button among them
    chat.press("keep")
    assert chat.state.cursor == 2
    # skip is refused on a required field
    step = chat.press("skip")
    assert chat.state.cursor == 2 and "error.stale_button" in keys(step)
    step = chat.press("cancel")
    assert step.state is None and keys(step) == ["form.cancelled"]
    assert isinstance(step.commands[0], SaveDraft) and step.commands[0].answers["rhk"] == "jawaban rhk"


def test_optional_field_can_be_skipped() -> None:
    chat = fresh()
    while current(chat).name != "dukungan":
        answer_current(chat)
    assert any(d.endswith(":skip") for d in chat.buttons())
    chat.press("skip")
    assert "dukungan" not in chat.state.answers
    assert current(chat).name == "status"


@pytest.mark.parametrize("event, key", [
    (NonTextReceived("sticker"), "error.not_text"),
    (NonTextReceived("photo"), "error.not_text"),
    (NonTextReceived("voice"), "error.not_text"),
    (TextReceived("   "), "error.empty"),
    (TextReceived("x" * 2001), "error.too_long"),
])
def test_bad_input_is_explained_and_nothing_lost(event: Event, key: str) -> None:
    chat = fresh()
    answer_current(chat)
    before = chat.state
    step = chat.send(event)
    assert keys(step)[0] == key
    assert "form.question" in keys(step)  # the question is asked again
    assert chat.state == before
    assert not step.commands


def test_too_long_names_the_limit() -> None:
    chat = fresh()
    answer_current(chat)
    step = chat.text("x" * 2001)
    assert step.replies[0].lines[0].params == {"limit": 2000, "length": 2001}
    assert chat.text("x" * 2000).state.answers["rhk"] == "x" * 2000


@pytest.mark.parametrize("typed, outcome", [
    ("22/11/2026", "2026-11-22"), ("1-2-2026", "2026-02-01"), ("2026-11-20", "2026-11-20"),
    ("5/11/26", "2026-11-05"), ("31/02/2026", "error.date_invalid"), ("besok", "error.date_format"),
    ("24/11/2026", "error.date_future"), ("01/01/2020", "error.date_too_old"),
])
def test_dates(typed: str, outcome: str) -> None:
    chat = fresh()
    step = chat.text(typed)
    if outcome.startswith("error"):
        assert keys(step)[0] == outcome and chat.state.cursor == 0
    else:
        assert chat.state.answers["tanggal"] == outcome


def test_date_buttons() -> None:
    chat = fresh()
    chat.press("d1")
    assert chat.state.answers["tanggal"] == "2026-11-22"


def test_choice_by_typing_or_text_refused() -> None:
    chat = fresh()
    while current(chat).name != "penyesuaian_target":
        answer_current(chat)
    assert keys(chat.text("mungkin"))[0] == "error.use_buttons"
    chat.text("Tidak")
    assert chat.state.answers["penyesuaian_target"] == "tidak"


def test_stale_and_double_pressed_buttons_change_nothing() -> None:
    chat = fresh()
    first = "f:7:0:d0"
    chat.send(ChoicePicked(first))
    before = chat.state
    step = chat.send(ChoicePicked(first))  # pressed twice
    assert keys(step)[0] == "error.stale_button" and chat.state == before
    step = chat.send(ChoicePicked("f:99:1:o0"))  # another submission's old message
    assert keys(step)[0] == "error.stale_button" and chat.state == before
    step = chat.send(ChoicePicked("f:7:1:zz"))  # garbage action
    assert keys(step)[0] == "error.stale_button" and chat.state == before


def test_commands_mid_form_pass_through_and_keep_state() -> None:
    chat = fresh()
    answer_current(chat)
    before = chat.state
    step = chat.send(CommandReceived("status"))
    assert step.commands == (RunCommand("status", ""),) and chat.state == before
    step = chat.send(CommandReceived("batal"))
    assert step.state is None and isinstance(step.commands[0], SaveDraft)


def test_summary_edit_returns_to_summary() -> None:
    chat = fresh()
    for _ in range(N):
        answer_current(chat)
    agenda = [q.name for q in questions(SPEC, chat.state.answers)].index("agenda")
    step = chat.press(f"e{agenda}")
    assert chat.state.cursor == agenda and chat.state.editing
    assert "form.section" not in keys(step)
    step = chat.text("agenda baru")
    assert chat.state.cursor == N and not chat.state.editing
    assert chat.state.answers["agenda"] == "agenda baru"
    assert "form.summary_title" in keys(step)
    # text at the summary is not an answer to anything
    assert keys(chat.text("halo"))[0] == "error.use_buttons"


def test_send_with_missing_required_goes_to_first_gap() -> None:
    chat = Chat(FormState(7, SPEC.id, SPEC.version, {"tanggal": "2026-11-20"}, N))
    step = chat.press("send")
    assert keys(step)[0] == "form.missing" and chat.state.cursor == 1
    assert not any(isinstance(c, SubmitForm) for c in step.commands)


def test_draft_from_older_spec_version_is_reconciled() -> None:
    old = FormState(7, SPEC.id, SPEC.version - 1 if SPEC.version > 1 else 0,
                    {"tanggal": "2026-11-20", "dihapus": "x", "rhk": "r"}, 5)
    chat = Chat(old)
    chat.send(TextReceived("iki"))
    assert chat.state.spec_version == SPEC.version
    assert "dihapus" not in chat.state.answers
    assert chat.state.answers["iki"] == "iki"  # resumed at the first unanswered field (iki)


def test_idle_routes_commands_and_foreign_buttons() -> None:
    chat = Chat(None)
    assert chat.send(CommandReceived("isi")).commands == (RunCommand("isi", ""),)
    assert chat.send(ChoicePicked("rv:3:ok")).commands == (HandleChoice("rv:3:ok"),)
    assert keys(chat.send(ChoicePicked("f:3:1:o0"))) == ["error.form_closed"]
    assert keys(chat.send(TextReceived("halo"))) == ["idle.hint"]


def test_review_comment_flow() -> None:
    chat = Chat(ReviewCommentState(9))
    assert keys(chat.send(NonTextReceived("sticker")))[0] == "error.not_text"
    assert keys(chat.send(TextReceived(" ")))[0] == "error.empty"
    step = chat.send(TextReceived("Tolong lengkapi IKI"))
    assert step.state is None and step.commands == (ReturnForm(9, "Tolong lengkapi IKI"),)
    chat = Chat(ReviewCommentState(9))
    step = chat.send(CommandReceived("batal"))
    assert step.state is None and keys(step) == ["review.comment_cancelled"]


def test_replies_fit_telegram_limits() -> None:
    chat = fresh()
    for _ in range(N):
        step = answer_current(chat)
        for reply in step.replies:
            assert isinstance(reply, Reply)
            for row in reply.buttons:
                assert all(len(b.data.encode()) <= 64 for b in row)


def test_an_answer_with_no_letter_or_digit_is_no_answer() -> None:
    from flows.validators import Invalid, parse_text_answer
    for typed in ("-", " . ", "—", "?!"):
        with pytest.raises(Invalid) as e:
            parse_text_answer("text", typed, date(2026, 11, 23))
        assert e.value.key == "error.empty", typed
    assert parse_text_answer("text", "- ok", date(2026, 11, 23)) == "- ok"


def test_a_form_saved_when_activities_were_called_stages_loads() -> None:
    old = {"flow": "form", "submission_id": 3, "form_id": "rencana_pengembangan", "spec_version": 1,
           "program": "kemenkes_tetap", "stage": "rencana", "year": 2026}
    assert FormState.from_json(old).activity == "rencana"
    assert FormState.from_json(FormState.from_json(old).to_json()).activity == "rencana"
