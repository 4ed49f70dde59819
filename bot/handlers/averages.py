"""The averages of a stage's ratings, per unit and for the whole, for
/rekap and the recap a koordinator sends to the pembina (their lines:
flows.ratings.rating_line). Only counts and sums leave the database."""

from __future__ import annotations

from collections.abc import Sequence

from bot.turn import Turn
from flows.program_spec import Activity, ProgramSpec
from flows.ratings import Averages, rating_lines, stage_ratings
from flows.recap import Row
from storage import repo


async def stage_averages(t: Turn, program: ProgramSpec, stage: Activity, rows: Sequence[Row],
                         units: list[str], year: int,
                         by_unit_utama: bool) -> tuple[dict[str, list[Averages]], list[Averages]]:
    """Each unit's averages of the stage's ratings, and the total's."""
    ratings = stage_ratings(t.specs.forms, program, stage)
    if not ratings:
        return {}, []
    people = [r.employee_id for r in rows]
    sums = await repo.rating_sums(t.s, people, program.id, year, ratings, by_unit_utama)
    return rating_lines(ratings, units, sums)
