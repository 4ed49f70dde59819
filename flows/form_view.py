"""The concrete questions of a form for one person now, computed from the
spec, the answers so far and who is filling.

A repeated section contributes one group of questions per row: row 1 under
the plain field names (`rhk`, so answers kept before rows existed stay
valid), row k under `rhk.k`. After a row that may be followed by another,
a yes/no question asks for one more; its answer is kept under
`_more.<section>.<row>`. Names starting with `_` are never form fields.
A field whose `relevant` condition is not met is no question at all, and
identity fields are in the form (and the summary) but never asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flows.form_spec import Field_, FormSpec, Role, Section
from flows.program_spec import Filler

YES = "ya"
MORE_FIELD = Field_(name="more", type="yes_no", label="form.more_rows")


@dataclass(frozen=True, slots=True)
class Question:
    """A field of one row, or (`more`) "one more row after row `row`?"."""

    name: str  # the key of its answer
    field: Field_
    section: Section
    row: int = 0  # 1.. in a repeated section, 0 elsewhere
    more: bool = False

    @property
    def counts_as_missing(self) -> bool:
        """Required and so needed before sending; an unanswered "one more
        row?" simply means no more rows."""
        return self.field.required and not self.more


def row_name(name: str, row: int) -> str:
    return name if row <= 1 else f"{name}.{row}"


def more_name(section_id: str, row: int) -> str:
    return f"_more.{section_id}.{row}"


def asks(section: Section, role: Role, filled_by: Filler) -> bool:
    """Whether `role` fills the section: every section unless both fill the
    activity, then the sections marked for them (unmarked: the coachee)."""
    return filled_by != "both" or (section.by or "coachee") == role


def walk(spec: FormSpec, answers: Mapping[str, str]) -> tuple[Question, ...]:
    """Every question of the whole form under these answers, in order:
    both parties' sections, identity fields included."""
    return _Walk(spec, answers).run()


def questions(spec: FormSpec, answers: Mapping[str, str], role: Role = "coachee",
              filled_by: Filler = "coachee") -> tuple[Question, ...]:
    """The questions `role` is asked: the cursor of a form indexes these."""
    return asked_in(walk(spec, answers), role, filled_by)


def asked_in(everything: Sequence[Question], role: Role, filled_by: Filler) -> tuple[Question, ...]:
    """Of a whole form's walk, the questions `role` is asked."""
    return tuple(q for q in everything if not q.field.read_only and asks(q.section, role, filled_by))


def reshapes(spec: FormSpec, q: Question) -> bool:
    """Whether the answer to `q` can change which questions there are: that
    of a "one more row?", or of a field a `relevant` condition reads. Any
    other answer leaves the walk as it was."""
    return q.more or any(f.relevant is not None and f.relevant.field == q.field.name for f in spec.fields)


def summary_cursor(spec: FormSpec, answers: Mapping[str, str], role: Role = "coachee",
                   filled_by: Filler = "coachee") -> int:
    """The cursor that shows the summary (e.g. for a form sent back)."""
    return len(questions(spec, answers, role, filled_by))


def live_answers(spec: FormSpec, answers: Mapping[str, str]) -> dict[str, str]:
    """The answers that belong to the form as it now stands: without those
    of fields no longer relevant or of rows taken away."""
    return answers_in(walk(spec, answers), answers)


def answers_in(everything: Sequence[Question], answers: Mapping[str, str]) -> dict[str, str]:
    """The answers to the questions of a whole form's walk (see live_answers)."""
    names = {q.name for q in everything}
    return {k: v for k, v in answers.items() if k in names}


def known_names(spec: FormSpec) -> set[str]:
    """Every answer name the spec can have (a draft's answers outside it
    belong to an older version of the spec)."""
    names: set[str] = set()
    for s in spec.sections:
        rows = s.repeat.max if s.repeat else 1
        names |= {row_name(f.name, r) for f in s.fields for r in range(1, rows + 1)}
        if s.repeat:
            names |= {more_name(s.id, r) for r in range(s.repeat.max)}
    return names


def without_rows_after(section: Section, answers: Mapping[str, str], row: int) -> dict[str, str]:
    """The answers without those of the section's rows after `row`."""
    if section.repeat is None:
        return dict(answers)
    last = section.repeat.max
    gone = {row_name(f.name, r) for f in section.fields for r in range(row + 1, last + 1)}
    gone |= {more_name(section.id, r) for r in range(row + 1, last)}
    return {k: v for k, v in answers.items() if k not in gone}


def initial_answers(spec: FormSpec, roster: Mapping[str, str], earlier: Mapping[str, str] | None = None,
                    carried: Sequence[str] = ()) -> dict[str, str]:
    """The answers a new record starts with: the `carried` fields, every row
    of them, from an earlier activity's answers (the Rencana's RHK / IKI /
    Target for a check-in), and roster facts for fields with a `source`.
    An identity field always shows the roster; an editable field keeps a
    carried answer over the roster's."""
    answers = _carried(spec, earlier or {}, carried)
    for f in spec.fields:
        if f.source is not None and f.source in roster and (f.read_only or f.name not in answers):
            answers[f.name] = roster[f.source]
    return answers


def _carried(spec: FormSpec, earlier: Mapping[str, str], carried: Sequence[str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for section in spec.sections:
        names = [f.name for f in section.fields if f.name in carried]
        rows = section.repeat.max if section.repeat else 1
        found = [r for r in range(1, rows + 1) for n in names if row_name(n, r) in earlier]
        answers |= {row_name(n, r): earlier[row_name(n, r)] for n in names for r in range(1, rows + 1)
                    if row_name(n, r) in earlier}
        if section.repeat and found:
            # The rows come along: each one past the minimum was a "yes, one more".
            rows_past_min = range(section.repeat.min + 1, max(found) + 1)
            answers |= {more_name(section.id, r - 1): YES for r in rows_past_min}
    return answers


class _Walk:
    """One pass over the form; a `relevant` condition on an earlier field
    reads that field's answer only if that field is itself in the form."""

    def __init__(self, spec: FormSpec, answers: Mapping[str, str]) -> None:
        self.answers = answers
        self.sections = spec.sections
        self.met: set[str] = set()  # names already passed, in the form or not
        self.kept: set[str] = set()  # names already passed that are in the form
        self.out: list[Question] = []

    def run(self) -> tuple[Question, ...]:
        for section in self.sections:
            if section.repeat is None:
                self._row(section, 0)
            else:
                self._rows(section)
        return tuple(self.out)

    def _rows(self, section: Section) -> None:
        assert section.repeat is not None
        for row in range(section.repeat.max):
            if row >= section.repeat.min:
                more = Question(more_name(section.id, row), MORE_FIELD, section, row, more=True)
                self._add(more)
                if self.answers.get(more.name) != YES:
                    return
            self._row(section, row + 1)

    def _row(self, section: Section, row: int) -> None:
        for f in section.fields:
            name = row_name(f.name, row)
            if self._relevant(f, section, row):
                self._add(Question(name, f, section, row))
            self.met.add(name)

    def _relevant(self, f: Field_, section: Section, row: int) -> bool:
        if f.relevant is None:
            return True
        ref = f.relevant.field
        # In a repeated section, a field depends on its own row's answer.
        name = row_name(ref, row) if any(g.name == ref for g in section.fields) else ref
        passed_over = name in self.met and name not in self.kept
        return not passed_over and self.answers.get(name) in f.relevant.is_

    def _add(self, q: Question) -> None:
        self.out.append(q)
        self.met.add(q.name)
        self.kept.add(q.name)
