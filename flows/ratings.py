"""Averages of the ratings a stage collects (the `scale` fields of its
forms), per unit, as /rekap shows them. Storage gives counts and sums per
unit, never an answer; an average is shown only over enough respondents
that nobody's own rating can be read off, and a total is withheld where,
together with the units shown, it would give away a unit that shows none.
Pure: the sums come from storage, the words from the catalogs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flows.form_spec import FormSpec
from flows.messages import Msg
from flows.program_spec import Activity, ProgramSpec
from flows.validators import BUILTIN_OPTIONS

# SEED_REFERENCE §6, settled point 8: aggregates of ratings only over at least 3 respondents.
MIN_RESPONDENTS = 3
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class Rating:
    """A rating a stage collects: the activity whose form asks it, the
    field, the words that name it, and the answers that count as numbers."""

    activity: str
    field: str
    label: str  # message key
    values: tuple[int, ...]


def stage_ratings(forms: Mapping[str, FormSpec], program: ProgramSpec, stage: Activity) -> list[Rating]:
    """The ratings of a stage's own form and of its parts (the coach's
    evaluation of the Evaluasi stage), from the specs. Left out: a rating
    in a repeated section (several answers of one person), and a scale
    whose options are not numbers."""
    found: list[Rating] = []
    for activity in (stage, *program.parts(stage)):
        for section in forms[activity.form].sections:
            if section.repeat is not None:
                continue
            for f in section.fields:
                values = [o.value for o in f.options] or [v for v, _ in BUILTIN_OPTIONS["scale"]]
                if f.type == "scale" and all(v.isdigit() for v in values):
                    found.append(Rating(activity.id, f.name, f.short_label or f.label,
                                        tuple(int(v) for v in values)))
    return found


@dataclass(frozen=True, slots=True)
class Sums:
    """One unit's confirmed forms of one activity: how many, and per field
    how many answered it and the sum of those answers."""

    forms: int = 0
    answered: Mapping[str, int] = field(default_factory=dict)
    total: Mapping[str, int] = field(default_factory=dict)

    def __add__(self, other: Sums) -> Sums:
        names = {*self.answered, *other.answered}
        return Sums(self.forms + other.forms,
                    {n: self.answered.get(n, 0) + other.answered.get(n, 0) for n in names},
                    {n: self.total.get(n, 0) + other.total.get(n, 0) for n in names})


@dataclass(frozen=True, slots=True)
class Averages:
    """What a unit's line shows for one rated activity: the number of
    forms, and each rating's average (None where it is not shown: too few
    answers, or `withheld` from a total to protect a small unit)."""

    activity: str
    respondents: int
    averages: tuple[tuple[Rating, Decimal | None], ...]
    withheld: bool = False

    @property
    def shown(self) -> bool:
        return any(a is not None for _, a in self.averages)


def average(answered: int, total: int) -> Decimal | None:
    """The mean to one decimal (half up), or None under MIN_RESPONDENTS answers."""
    if answered < MIN_RESPONDENTS:
        return None
    return (Decimal(total) / answered).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def rating_lines(ratings: Sequence[Rating], units: Sequence[int],
                 sums: Mapping[tuple[int, str], Sums]) -> tuple[dict[int, list[Averages]], list[Averages]]:
    """Per unit (by id, in the order given) and for all of them, the averages
    of each rated activity, from the sums by (unit id, activity). An activity
    nobody in scope has answered yet gets no line. A total's average is
    withheld when the units that show none hold between 1 and
    MIN_RESPONDENTS - 1 answers: subtracting the units shown would give them away."""
    per_unit: dict[int, list[Averages]] = {u: [] for u in units}
    totals: list[Averages] = []
    for activity in dict.fromkeys(r.activity for r in ratings):
        rated = [r for r in ratings if r.activity == activity]
        of = {u: sums.get((u, activity), Sums()) for u in units}
        whole = sum(of.values(), Sums())
        if not whole.forms:
            continue
        for u in units:
            per_unit[u].append(Averages(activity, of[u].forms, tuple(
                (r, average(of[u].answered.get(r.field, 0), of[u].total.get(r.field, 0))) for r in rated)))
        small = {r.field: sum(n for unit in of.values()
                              if (n := unit.answered.get(r.field, 0)) < MIN_RESPONDENTS) for r in rated}
        withheld = {name for name, n in small.items() if 0 < n < MIN_RESPONDENTS}
        totals.append(Averages(activity, whole.forms, tuple(
            (r, None if r.field in withheld else average(whole.answered.get(r.field, 0),
                                                         whole.total.get(r.field, 0))) for r in rated),
            bool(withheld)))
    return per_unit, totals


def rating_line(program: ProgramSpec, a: Averages) -> Msg:
    """A unit's line of one rated activity: its averages, or why none are shown."""
    about = {"source": Msg(program.activity(a.activity).title), "min": MIN_RESPONDENTS}
    if not a.shown:
        return Msg("recap.ratings_withheld" if a.withheld else "recap.ratings_too_few", about)
    items = [Msg("recap.rating_item", {"label": Msg(r.label), "average": "–" if avg is None else avg})
             for r, avg in a.averages]
    return Msg("recap.ratings", {**about, "n": a.respondents, "ratings": items})
