"""How a form looks: the current question with its buttons, and the
summary of the whole form. Message keys and parameters only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from flows.callbacks import FormAction, pack
from flows.form_spec import Field_, FormSpec, Section
from flows.form_state import FormState, Frame
from flows.form_view import YES, Question, answers_in, asked_in, asks, walk
from flows.jp import JpRule
from flows.messages import Button, Msg, Reply
from flows.program_spec import Filler
from flows.validators import BUILTIN_OPTIONS, MAX_HOURS, limit_for

EDIT_BUTTONS_PER_ROW = 6


def options_of(f: Field_) -> tuple[tuple[str, str], ...]:
    if f.options:
        return tuple((o.value, o.label) for o in f.options)
    return BUILTIN_OPTIONS.get(f.type, ())


def display_value(f: Field_, value: str | None) -> Any:
    """How an answer is shown back: options by their label, dates as d/m/Y."""
    if value is None:
        return Msg("form.summary_empty")
    for option_value, label in options_of(f):
        if option_value == value:
            return Msg(label)
    if f.type == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return value


def no_jp_lines(rule: JpRule | None, spec: FormSpec, answers: Mapping[str, str]) -> list[Msg]:
    """Why these answers earn no JP under the rule: one line per condition
    an answer departs from (unanswered ones are not judged yet)."""
    lines: list[Msg] = []
    for name, wanted in (rule.when.items() if rule else ()):
        given = answers.get(name)
        if given is None or given == wanted:
            continue
        f = spec.field(name)
        params = {"label": Msg(f.label), "value": display_value(f, given), "field": Msg(f.label),
                  "expected": display_value(f, wanted), "given": display_value(f, given)}
        lines.append(Msg(rule.unmet_reason if rule and rule.unmet_reason else "form.no_jp", params))
    return lines


def data(state: FormState, action: str) -> str:
    return pack(FormAction(state.submission_id, state.cursor, action))


# --- the current question ---------------------------------------------------


def prompt(state: FormState, frame: Frame, view: Sequence[Question]) -> Reply:
    if state.cursor >= len(view):
        return summary(state, frame.spec, with_buttons=True, jp=frame.jp, filled_by=frame.filled_by)
    q = view[state.cursor]
    if state.pending is not None:
        return _confirm_date(state, q.field, state.pending)
    lines: list[Msg] = list(state.notice)
    starts_section = state.cursor == 0 or view[state.cursor - 1].section.id != q.section.id
    if starts_section and not state.editing:
        lines.append(Msg("form.section", {"title": Msg(q.section.title)}))
        lines.extend(Msg("form.grow_hint", {"hint": Msg(h)}) for h in q.section.hints)
    lines.extend(_more_lines(q) if q.more else _field_lines(q, state, frame, *_number(state, frame, view)))
    if q.name in state.answers:
        lines.append(Msg("form.current", {"value": display_value(q.field, state.answers[q.name])}))
    return Reply(tuple(lines), _buttons(state, frame, q))


def _more_lines(q: Question) -> list[Msg]:
    assert q.section.repeat is not None
    params = {"title": Msg(q.section.title), "next": q.row + 1, "max": q.section.repeat.max}
    return [Msg("form.first_row" if q.row == 0 else "form.more_rows", params)]


def _number(state: FormState, frame: Frame, view: Sequence[Question]) -> tuple[int, int]:
    """The question's number as the summary shows it, and the last number this
    person answers: "one more row?" questions and identity fields are not
    numbered, and in a form both fill the coach's part goes on from the
    coachee's ("Pertanyaan 8/9")."""
    asked = [q.name for q in view if not q.more]
    if frame.filled_by != "both":
        numbers = {name: i for i, name in enumerate(asked, 1)}
    else:
        whole = [q.name for q in walk(frame.spec, state.answers) if not q.more and not q.field.read_only]
        numbers = {name: i for i, name in enumerate(whole, 1)}
    return numbers.get(view[state.cursor].name, 0), max((numbers.get(n, 0) for n in asked), default=0)


def _field_lines(q: Question, state: FormState, frame: Frame, n: int, total: int) -> list[Msg]:
    f = q.field
    lines: list[Msg] = []
    if q.section.repeat is not None:
        lines.append(Msg("form.row", {"title": Msg(q.section.title), "row": q.row,
                                      "max": q.section.repeat.max}))
    required = Msg("form.required") if f.required else Msg("form.optional")
    lines.append(Msg("form.question", {
        "n": n, "total": total, "label": Msg(f.label), "required": required,
    }))
    if f.hint:
        lines.append(Msg("form.field_hint", {"hint": Msg(f.hint)}))
    limit = limit_for(f.type, f.max_len)
    if f.type == "date":
        lines.append(Msg("form.date_help", {"example": frame.today.strftime("%d/%m/%Y")}))
    elif f.type == "hours":
        lines.append(Msg("form.hours_help", {"max": MAX_HOURS}))
    elif limit:
        lines.append(Msg("form.text_help", {"limit": limit}))
    return lines


def _buttons(state: FormState, frame: Frame, q: Question) -> tuple[tuple[Button, ...], ...]:
    f, today = q.field, frame.today
    # Navigation first: Kembali is the first button of every question, with or
    # without options or an earlier answer, so pressing the same place twice
    # goes back twice rather than answering a question.
    nav = [Button(Msg("button.back"), data(state, "back"))]
    if not f.required:
        nav.append(Button(Msg("button.skip"), data(state, "skip")))
    nav.append(Button(Msg("button.cancel"), data(state, "cancel")))
    rows: list[tuple[Button, ...]] = [tuple(nav)]
    rows.extend((Button(Msg(label), data(state, f"o{i}")),) for i, (_, label) in enumerate(options_of(f)))
    if f.type == "date":
        rows.append((
            Button(Msg("button.today", {"date": today.strftime("%d/%m/%Y")}), data(state, "d0")),
            Button(Msg("button.yesterday", {"date": (today - timedelta(days=1)).strftime("%d/%m/%Y")}),
                   data(state, "d1")),
        ))
    if q.name in state.answers:
        rows.append((Button(Msg("button.keep"), data(state, "keep")),))
    return tuple(rows)


def _confirm_date(state: FormState, f: Field_, value: str) -> Reply:
    lines = (Msg("form.date_before_year", {
        "label": Msg(f.label), "date": display_value(f, value), "year": state.year,
    }),)
    return Reply(lines, (
        (Button(Msg("button.date_ok", {"date": display_value(f, value)}), data(state, "date_ok")),
         Button(Msg("button.date_change"), data(state, "date_change"))),
        (Button(Msg("button.cancel"), data(state, "cancel")),),
    ))


# --- the summary --------------------------------------------------------------


def summary(state: FormState, spec: FormSpec, with_buttons: bool, jp: JpRule | None = None,
            filled_by: Filler = "coachee") -> Reply:
    """The whole form, one numbered line per answer, rows numbered; the same
    text the coach receives. With buttons, the questions this person is
    asked get an edit button each, and a section that may grow a line to
    add a row."""
    lines = [*state.notice, Msg("form.summary_title", {"title": Msg(spec.title)})]
    everything = walk(spec, state.answers)
    body, edit = _Summary(state, spec, filled_by, with_buttons, everything).run()
    lines.extend(body)
    if any(f.extension for f in spec.fields):
        lines.append(Msg("form.summary_footnote"))
    lines.extend(no_jp_lines(jp, spec, answers_in(everything, state.answers)))
    if not with_buttons:
        return Reply(tuple(lines))
    lines.append(Msg("form.summary_help"))
    rows = [tuple(edit[i:i + EDIT_BUTTONS_PER_ROW]) for i in range(0, len(edit), EDIT_BUTTONS_PER_ROW)]
    rows.append((Button(Msg("button.send"), data(state, "send")),
                 Button(Msg("button.cancel"), data(state, "cancel"))))
    return Reply(tuple(lines), tuple(rows))


class _Summary:
    """The summary's lines and edit buttons, numbered as they go."""

    def __init__(self, state: FormState, spec: FormSpec, filled_by: Filler, with_buttons: bool,
                 everything: tuple[Question, ...]) -> None:
        self.state, self.spec, self.filled_by = state, spec, filled_by
        self.everything = everything  # the walk of the whole form under these answers
        mine = asked_in(everything, state.role, filled_by) if with_buttons else ()
        self.mine = {q.name: i for i, q in enumerate(mine)}
        self.lines: list[Msg] = []
        self.edit: list[Button] = []
        self.n = 0

    def run(self) -> tuple[list[Msg], list[Button]]:
        section, row = "", 0
        for q in self.everything:
            if q.section.id != section:
                section, row = q.section.id, 0
                self.lines.append(self._section_title(q.section))
            if q.row != row and not q.more:
                row = q.row
                self.lines.append(Msg("form.summary_row", {"row": row}))
            self._question(q)
        return self.lines, self.edit

    def _question(self, q: Question) -> None:
        answer = self.state.answers.get(q.name)
        if q.more:
            if q.name in self.mine and answer != YES:
                self._add_row(q)
            return
        value = display_value(q.field, answer)
        if answer is None and self.mine and q.name not in self.mine and not q.field.read_only:
            # Not missed by this person: the other party's part, still to come.
            value = Msg("form.summary_by_other", {"who": self._other()})
        params = {"label": Msg(q.field.label), "value": value}
        if q.field.read_only:
            self.lines.append(Msg("form.summary_identity", params))
            return
        self.n += 1
        key = "form.summary_line_ext" if q.field.extension else "form.summary_line"
        self.lines.append(Msg(key, {"n": self.n, **params}))
        if q.name in self.mine:
            self._button(Msg("button.edit", {"n": self.n}), q)

    def _add_row(self, q: Question) -> None:
        # Marked A, B, ... rather than numbered, so that the answers carry the
        # same numbers for everyone who reads the form.
        assert q.section.repeat is not None
        mark = chr(ord("A") + sum(b.text.key == "button.add_row" for b in self.edit))
        self.lines.append(Msg("form.summary_add_row", {
            "mark": mark, "title": Msg(q.section.title), "next": q.row + 1, "max": q.section.repeat.max}))
        self._button(Msg("button.add_row", {"mark": mark}), q)

    def _button(self, text: Msg, q: Question) -> None:
        self.edit.append(Button(text, data(self.state, f"e{self.mine[q.name]}")))

    def _section_title(self, section: Section) -> Msg:
        """A section the other party fills says so (only where this person's
        own part is known, i.e. with buttons)."""
        title = Msg(section.title)
        if not self.mine or asks(section, self.state.role, self.filled_by):
            return Msg("form.summary_section", {"title": title})
        return Msg("form.summary_section_by", {"title": title, "who": self._other()})

    def _other(self) -> Msg:
        return Msg("form.by_coach") if self.state.role == "coachee" else Msg("form.by_coachee")
