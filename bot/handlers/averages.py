"""The averages of a stage's ratings, per unit and for the whole, for
/rekap and the recap a koordinator sends to the pembina (their lines:
flows.ratings.rating_line). Only counts and sums leave the database."""

from __future__ import annotations

from collections.abc import Sequence

from bot.handlers.monitoring import enrolment_filter
from bot.turn import Turn
from flows.access import Scope
from flows.program_spec import Activity, ProgramSpec
from flows.ratings import Averages, rating_lines, stage_ratings
from storage import repo


async def stage_averages(t: Turn, program: ProgramSpec, stage: Activity, scope: Scope, units: Sequence[int],
                         year: int, by_unit_utama: bool) -> tuple[dict[int, list[Averages]], list[Averages]]:
    """Each unit's averages of the stage's ratings (by unit id), and the total's."""
    ratings = stage_ratings(t.specs.forms, program, stage)
    if not ratings:
        return {}, []
    sums = await repo.rating_sums(t.s, scope, program.id, year, ratings, by_unit_utama,
                                  **enrolment_filter(program))
    return rating_lines(ratings, units, sums)
