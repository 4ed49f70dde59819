"""Where everyone in a scope stands in a program, as the seed's monitoring
sheets show it (K:1348-1353, K:1883-1912): one column per stage (the
program's own activities; the sheet's names where the spec gives them),
status words, and per unit the counts and the share who completed the
whole cycle ("Persentase Pengisian", K:1898-1902). Statuses and counts
only, never answers. Pure: the rows come from storage, the words from the
catalogs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from flows.messages import Msg
from flows.program import JP_RIGHT_PER_YEAR, Status, is_done
from flows.program_spec import Activity, ProgramSpec
from flows.validators import plain

PARTS_MISSING = "parts_missing"  # the stage's own form is done, a part of it (the coach's) is not


@dataclass(frozen=True, slots=True)
class Row:
    """One employee: who, where, and their forms of the year (status of each
    scheduled activity's form, number of confirmed entries of each log)."""

    employee_id: int
    nip: str
    nama: str
    jabatan: str
    unit_kerja: str
    unit_utama: str | None
    forms: Mapping[str, Status] = field(default_factory=dict)
    entries: Mapping[str, int] = field(default_factory=dict)
    unit_kerja_id: int = 0
    unit_utama_id: int | None = None


@dataclass(frozen=True, slots=True)
class Column:
    activity: Activity
    label: Msg
    counts: bool  # a log: the number of entries, not a status


def columns(program: ProgramSpec) -> list[Column]:
    """The program's stages, in order: what a sheet has a column for."""
    return [Column(a, stage_label(a), a.schedule.kind == "log") for a in program.stages]


def stage_label(stage: Activity) -> Msg:
    """How monitoring names a stage: its column on the seed's sheets where
    the spec gives one (Perencanaan, Checkpoint 1), which PICs know; else its title."""
    return Msg("recap.sheet_name", {"name": stage.sheet}) if stage.sheet else Msg(stage.title)


def stage_state(program: ProgramSpec, stage: Activity, forms: Mapping[str, Status]) -> Status | str:
    """The stage's own status, or PARTS_MISSING when only its parts wait."""
    own = forms.get(stage.id, Status.NOT_STARTED)
    if is_done(own) and not all(is_done(forms.get(p.id, Status.NOT_STARTED)) for p in program.parts(stage)):
        return PARTS_MISSING
    return own


def completed(program: ProgramSpec, column: Column, row: Row) -> bool:
    """A stage complete (its parts too), or a log with at least one entry."""
    if column.counts:
        return row.entries.get(column.activity.id, 0) > 0
    state = stage_state(program, column.activity, row.forms)
    return isinstance(state, Status) and is_done(state)


def cell(program: ProgramSpec, column: Column, row: Row) -> Msg | int:
    """What a sheet shows in a cell: a status word, or a log's entry count."""
    if column.counts:
        return row.entries.get(column.activity.id, 0)
    state = stage_state(program, column.activity, row.forms)
    return Msg(f"monitor.status_{state if isinstance(state, str) else state.value}")


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts for a unit (or the whole scope): how many people, how many
    completed each stage, how many completed every stage."""

    unit: str
    total: int
    done: Mapping[str, int]
    whole_cycle: int
    members: tuple[int, ...] = ()  # employee ids

    def share(self, count: int) -> float:
        return count / self.total if self.total else 0.0


def tally(program: ProgramSpec, rows: Sequence[Row],
          by_unit_utama: bool = False) -> tuple[list[Tally], Tally]:
    """Per unit kerja (or unit utama), in the order the rows come, and for all of them."""
    cols = columns(program)
    staged = [not c.counts for c in cols]
    # Each person's stages are looked at once, for their unit and the total alike.
    flagged = [(row, [completed(program, c, row) for c in cols]) for row in rows]
    by_unit: dict[str, list[tuple[Row, list[bool]]]] = {}
    for row, finished in flagged:
        by_unit.setdefault((row.unit_utama or row.unit_kerja) if by_unit_utama else row.unit_kerja,
                           []).append((row, finished))

    def count(unit: str, members: Sequence[tuple[Row, list[bool]]]) -> Tally:
        done = {c.activity.id: sum(finished[i] for _, finished in members) for i, c in enumerate(cols)}
        whole = sum(any(staged) and all(f for f, s in zip(finished, staged, strict=True) if s)
                    for _, finished in members)
        return Tally(unit, len(members), done, whole, tuple(row.employee_id for row, _ in members))

    return [count(unit, members) for unit, members in by_unit.items()], count("", flagged)


def ranked(units: Sequence[Tally]) -> list[Tally]:
    """The units by their share who completed the whole cycle, highest
    first: which unit utama is disciplined (K:1291)."""
    return sorted(units, key=lambda u: (-u.share(u.whole_cycle), u.unit))


@dataclass(frozen=True, slots=True)
class JpFigures:
    average: Decimal  # to 0.1 JP
    reached: int  # how many have the year's right of JP


def jp_figures(unit: Tally, jp: Mapping[int, Decimal]) -> JpFigures:
    """A unit's JP of the year (K:1894-1902): its members' average and how
    many reached the 20 JP a year."""
    amounts = [jp.get(i, Decimal(0)) for i in unit.members]
    average = (sum(amounts, Decimal(0)) / len(amounts)).quantize(Decimal("0.1")) if amounts else Decimal(0)
    return JpFigures(average, sum(a >= JP_RIGHT_PER_YEAR for a in amounts))


# What /rekap counts for a stage, in the order a chart stacks them.
BUCKETS = ("selesai", "menunggu", "draf", "belum")


def bucket(program: ProgramSpec, stage: Activity, forms: Mapping[str, Status]) -> str:
    """Complete; waiting for the coach (to confirm, or for their part); being
    filled (a draft, or returned to be fixed); or not begun."""
    state = stage_state(program, stage, forms)
    if state == PARTS_MISSING or state is Status.SUBMITTED:
        return "menunggu"
    if state is Status.CONFIRMED:
        return "selesai"
    return "belum" if state is Status.NOT_STARTED else "draf"


@dataclass(frozen=True, slots=True)
class StageCount:
    unit: str
    counts: Mapping[str, int]  # by bucket
    unit_id: int = 0  # 0 for a total

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, name: str) -> float:
        return self.counts[name] / self.total if self.total else 0.0


def stage_counts(program: ProgramSpec, stage: Activity, rows: Sequence[Row],
                 by_unit_utama: bool) -> tuple[list[StageCount], StageCount]:
    """Each unit's count of people per bucket (by unit utama for a scope
    that spans them, else by unit kerja), in name order, and the total."""
    units: dict[tuple[str, int], dict[str, int]] = {}
    for row in rows:
        unit = ((row.unit_utama or row.unit_kerja, row.unit_utama_id or row.unit_kerja_id) if by_unit_utama
                else (row.unit_kerja, row.unit_kerja_id))
        counts = units.setdefault(unit, dict.fromkeys(BUCKETS, 0))
        counts[bucket(program, stage, row.forms)] += 1
    total = {b: sum(c[b] for c in units.values()) for b in BUCKETS}
    return [StageCount(u[0], units[u], u[1]) for u in sorted(units)], StageCount("", total)


# --- /rekap's filters: [tahap] [unit] [tahun], in any order ------------------------

FIRST_YEAR = 2000  # the earliest cycle a recap may be asked for


def year_typed(typed: str, this_year: int) -> int | None:
    """A year typed alone (/jpl 2025, /dokumen 2025), this year when nothing
    is; None for anything else."""
    found = year_and_rest(typed.split(), this_year)
    return found[0] if found is not None and not found[1] else None


def year_and_rest(words: Sequence[str], this_year: int) -> tuple[int, list[str]] | None:
    """The cycle year among the words (four digits, FIRST_YEAR to this
    year; this year when none is) and the other words; None for a year out
    of that range, or two years."""
    years = [w for w in words if len(w) == 4 and w.isdigit()]
    if len(years) > 1 or (years and not FIRST_YEAR <= int(years[0]) <= this_year):
        return None
    return (int(years[0]) if years else this_year), [w for w in words if w not in years]


def readings(words: Sequence[str]) -> list[tuple[str, str]]:
    """The ways the words can name a stage and a unit, the stage first or
    last: (stage words, unit words), the most words for the stage first;
    last, all of them the unit (of the current stage). All of them the
    stage is left to the caller, which tries it before looking units up."""
    n = len(words)
    found: list[tuple[str, str]] = []
    for k in range(n - 1, 0, -1):
        found += [(" ".join(words[:k]), " ".join(words[k:])),
                  (" ".join(words[n - k:]), " ".join(words[:n - k]))]
    return [*found, ("", " ".join(words))]


def named_units(typed: str, names: Mapping[int, Sequence[str]]) -> list[int]:
    """The units (by id, with their names) a typed name fits, loosely as a
    stage's: those it names, else those with a name that begins with it,
    else that contains it; none for nothing typed."""
    wanted = plain(typed)
    if not wanted:
        return []
    plains = {unit: [plain(n) for n in ns] for unit, ns in names.items()}
    exact = [u for u, ns in plains.items() if wanted in ns]
    prefix = [u for u, ns in plains.items() if any(n.startswith(wanted) for n in ns)]
    return exact or prefix or [u for u, ns in plains.items() if any(wanted in n for n in ns)]
