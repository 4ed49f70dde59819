from __future__ import annotations

from datetime import date

from flows.program import Status, activity_day, current_stage, due_activity, windows
from flows.spec import load_specs

TETAP = load_specs().programs["kemenkes_tetap"]


def test_windows_follow_the_guideline() -> None:
    w = {x.activity.id: (x.opens, x.closes) for x in windows(TETAP, 2026)}
    assert w["rencana"] == (date(2026, 1, 1), date(2026, 3, 31))
    assert w["checkin1"] == (date(2026, 4, 1), date(2026, 6, 30))
    assert w["checkin2"] == (date(2026, 7, 1), date(2026, 9, 30))
    assert w["checkin3"] == (date(2026, 10, 1), date(2026, 10, 31))
    assert w["evaluasi"] == (date(2026, 11, 1), date(2026, 12, 31))


def test_current_stage() -> None:
    assert current_stage(TETAP, date(2026, 2, 10)).id == "rencana"
    assert current_stage(TETAP, date(2026, 10, 31)).id == "checkin3"
    assert current_stage(TETAP, date(2026, 11, 23)).id == "evaluasi"


def test_due_stage_is_earliest_open_not_completed() -> None:
    due = due_activity(TETAP, {}, date(2026, 2, 1))
    assert due and due.activity.id == "rencana" and not due.late
    due = due_activity(TETAP, {}, date(2026, 11, 23))
    assert due and due.activity.id == "rencana" and due.late
    due = due_activity(TETAP, {"rencana": Status.CONFIRMED}, date(2026, 5, 1))
    assert due and due.activity.id == "checkin1" and not due.late
    # waiting for the coach: move on to the next open stage
    due = due_activity(TETAP, {"rencana": Status.SUBMITTED}, date(2026, 5, 1))
    assert due and due.activity.id == "checkin1"
    # a returned form is the one to work on
    due = due_activity(TETAP, {"rencana": Status.RETURNED}, date(2026, 5, 1))
    assert due and due.activity.id == "rencana" and due.status is Status.RETURNED
    # nothing opened yet
    assert due_activity(TETAP, {"rencana": Status.CONFIRMED}, date(2026, 3, 1)) is None


def test_the_activity_day_is_the_forms_date() -> None:
    form = load_specs().forms["risalah_dialog_kinerja"]
    assert activity_day(form, {"tanggal": "2026-05-04"}, date(2026, 5, 9)) == date(2026, 5, 4)
    assert activity_day(form, {}, date(2026, 5, 9)) == date(2026, 5, 9)


def test_stages_filled_by_the_coach_are_not_offered_to_the_coachee() -> None:
    program = TETAP.model_copy(update={"activities": (
        TETAP.activities[0].model_copy(update={"filled_by": "coach"}), *TETAP.activities[1:],
    )})
    due = due_activity(program, {}, date(2026, 5, 1))
    assert due and due.activity.id == "checkin1"
