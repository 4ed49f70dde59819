"""The reminder policy, walked through a year with an injected clock."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Catalogs
from flows.messages import Msg
from flows.program import Status
from flows.program_spec import ProgramSpec
from flows.reminders import Facts, Person, QuietHours, Reminder, due_reminders
from flows.spec import SpecError, build_spec_set, load_specs, parse_spec

FLOWS = Path(__file__).resolve().parent.parent / "flows"
TETAP_YAML = (FLOWS / "programs" / "kemenkes_tetap.yaml").read_text(encoding="utf-8")
TETAP = load_specs().programs["kemenkes_tetap"]
WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
COACH = Person(1, "Coach", unit="u1", timezone=WITA)
# Coachees in three zones; Budi's zone comes from his unit.
ANI = Person(2, "Ani", unit="u1", timezone=WIB, coach_id=1, programs=frozenset({TETAP.id}))
BUDI = Person(3, "Budi", unit="u1", unit_timezone=WITA, coach_id=1, programs=frozenset({TETAP.id}))
CICI = Person(4, "Cici", unit="u2", timezone=WIT, coach_id=1, programs=frozenset({TETAP.id}))
PIC = Person(5, "Pic", unit="u1", timezone=WIT, digest_units=frozenset({"u1", "u2"}))
PEOPLE = (COACH, ANI, BUDI, CICI, PIC)
# Ani completes every stage on the day it opens.
DONE = {(ANI.id, TETAP.id, a.id, 2026): Status.CONFIRMED for a in TETAP.activities}


def walk(programs: list[ProgramSpec], people: tuple[Person, ...], statuses: dict, start: datetime,
         end: datetime, step: timedelta, facts: Facts | None = None) -> tuple[dict[str, Reminder], Counter]:
    """Tick from start to end; the outbox keeps the first row of each key."""
    outbox: dict[str, Reminder] = {}
    seen: Counter[str] = Counter()
    now = start
    while now < end:
        for r in due_reminders(programs, people, statuses, now, frozenset(outbox),
                               facts=facts or Facts()):
            seen[r.key] += 1
            outbox[r.key] = r
        now += step
    return outbox, seen


@pytest.fixture(scope="module")
def year() -> dict[str, Reminder]:
    outbox, seen = walk([TETAP], PEOPLE, DONE, datetime(2025, 12, 31, 17, tzinfo=UTC),
                        datetime(2026, 12, 31, 12, tzinfo=UTC), timedelta(hours=1))
    assert set(seen.values()) == {1}  # with the queued keys passed in, nothing comes twice
    return outbox


def local(r: Reminder, zone: str) -> datetime:
    return r.not_before.astimezone(ZoneInfo(zone))


def of(outbox: dict[str, Reminder], person: Person, kind: str) -> list[Reminder]:
    return sorted((r for r in outbox.values() if r.recipient == person.id and r.kind == kind),
                  key=lambda r: r.not_before)


def test_every_stage_window_reminds_the_coachees_who_have_not_completed(year: dict[str, Reminder]) -> None:
    stages = ["rencana", "checkin1", "checkin2", "checkin3", "evaluasi"]
    for person in (BUDI, CICI):
        for moment in ("open", "mid", "before_close"):
            got = [r.activity for r in of(year, person, f"stage_window.{moment}")]
            assert got == stages, (person.name, moment)
        # Overdue once per stage; Evaluasi closes on 31 December, after the walk.
        assert [r.activity for r in of(year, person, "stage_window.overdue")] == stages[:-1]
    assert not [r for r in year.values() if r.recipient == ANI.id]


def test_stage_moments_fall_on_the_right_days_at_the_morning_in_each_zone(year: dict[str, Reminder]) -> None:
    rencana = {r.kind: local(r, WIT) for r in of(year, CICI, "stage_window.open")
               + of(year, CICI, "stage_window.mid") + of(year, CICI, "stage_window.before_close")
               + of(year, CICI, "stage_window.overdue") if r.activity == "rencana"}
    # 1 Jan 2026 is a Thursday; the mid-window day 14 Feb a Saturday, so Monday;
    # 17 March (14 days before 31 March) a Tuesday; 1 April a Wednesday.
    assert rencana == {
        "stage_window.open": datetime(2026, 1, 1, 8, tzinfo=ZoneInfo(WIT)),
        "stage_window.mid": datetime(2026, 2, 16, 8, tzinfo=ZoneInfo(WIT)),
        "stage_window.before_close": datetime(2026, 3, 17, 8, tzinfo=ZoneInfo(WIT)),
        "stage_window.overdue": datetime(2026, 4, 1, 8, tzinfo=ZoneInfo(WIT)),
    }
    budi = of(year, BUDI, "stage_window.open")[0]
    assert local(budi, WITA) == datetime(2026, 1, 1, 8, tzinfo=ZoneInfo(WITA))  # the unit's zone
    for r in year.values():
        person = next(p for p in PEOPLE if p.id == r.recipient)
        at = local(r, person.timezone or person.unit_timezone or WIB)
        assert at.weekday() < 5 and time(6) <= at.time() < time(21), r


def test_before_close_says_how_many_days_are_left(year: dict[str, Reminder]) -> None:
    r = next(r for r in of(year, BUDI, "stage_window.before_close") if r.activity == "checkin1")
    assert r.message.key == "reminder.stage_before_close"
    assert r.message.params["days"] == 14 and r.message.params["closes"] == date(2026, 6, 30)


def test_the_coach_hears_of_each_opening_once_for_all_coachees(year: dict[str, Reminder]) -> None:
    notices = of(year, COACH, "stage_window.open.coachees")
    assert [r.activity for r in notices] == ["rencana", "checkin1", "checkin2", "checkin3", "evaluasi"]
    assert {r.message.params["count"] for r in notices} == {2}  # Ani had completed hers
    # The coach's own evaluation of each coachee, counted in one notice.
    own = of(year, COACH, "stage_window.open.coach")
    assert [(r.activity, r.message.params["count"]) for r in own] == [("evaluasi_coach", 2)]


def test_overdue_never_again_and_keys_are_stable_across_ticks() -> None:
    now = datetime(2026, 4, 20, 3, tzinfo=UTC)
    first = due_reminders([TETAP], PEOPLE, {}, now)
    again = due_reminders([TETAP], PEOPLE, {}, now + timedelta(minutes=5))
    assert [r.key for r in first] == [r.key for r in again]
    assert f"{CICI.id}:stage_window.overdue:kemenkes_tetap:rencana@2026" in {r.key for r in first}
    queued = frozenset(r.key for r in first)
    later = due_reminders([TETAP], PEOPLE, {}, datetime(2026, 4, 28, 3, tzinfo=UTC), queued)
    assert not [r for r in later if r.activity == "rencana"]


def test_after_downtime_only_the_latest_missed_reminder_is_due_once() -> None:
    # Down from 30 December to 20 February: the opening notice is superseded.
    now = datetime(2026, 2, 20, 1, tzinfo=UTC)  # Friday 08:00 WIB
    due = [r for r in due_reminders([TETAP], PEOPLE, {}, now) if r.recipient == ANI.id]
    assert [(r.kind, r.activity) for r in due] == [("stage_window.mid", "rencana")]
    assert due[0].not_before == now
    # Due late on a Friday night: waits for Monday morning.
    late = due_reminders([TETAP], (ANI,), {}, datetime(2026, 2, 20, 15, tzinfo=UTC))  # 22:00 WIB
    assert local(late[0], WIB) == datetime(2026, 2, 23, 8, tzinfo=ZoneInfo(WIB))


def test_submitted_work_is_not_the_coachees_to_be_reminded_of() -> None:
    statuses = {(ANI.id, TETAP.id, "rencana", 2026): Status.SUBMITTED}
    due = due_reminders([TETAP], (ANI,), statuses, datetime(2026, 2, 16, 3, tzinfo=UTC))
    assert not due


@pytest.mark.parametrize("zone", [WIB, WITA, WIT])
def test_quiet_hours_and_weekends_move_to_the_next_morning(zone: str) -> None:
    quiet = QuietHours()
    tz = ZoneInfo(zone)
    cases = {
        datetime(2026, 3, 4, 22, 30, tzinfo=tz): datetime(2026, 3, 5, 8, tzinfo=tz),  # Wed night
        datetime(2026, 3, 5, 5, 0, tzinfo=tz): datetime(2026, 3, 5, 8, tzinfo=tz),  # before 06:00
        datetime(2026, 3, 5, 6, 30, tzinfo=tz): datetime(2026, 3, 5, 6, 30, tzinfo=tz),  # allowed
        datetime(2026, 3, 6, 21, 0, tzinfo=tz): datetime(2026, 3, 9, 8, tzinfo=tz),  # Fri 21:00
        datetime(2026, 3, 7, 12, 0, tzinfo=tz): datetime(2026, 3, 9, 8, tzinfo=tz),  # Saturday
    }
    for at, expected in cases.items():
        assert quiet.next_allowed(at) == expected, at
    weekends_allowed = QuietHours(days_off=frozenset())
    assert weekends_allowed.next_allowed(datetime(2026, 3, 7, 12, tzinfo=tz)).day == 7


def test_coach_backlog_after_three_days_then_weekly() -> None:
    key = (ANI.id, TETAP.id, "rencana", 2026)
    submitted = datetime(2026, 2, 2, 15, 30, tzinfo=UTC)  # Monday 22:30 WIB
    facts = Facts(submitted_at={key: submitted})
    outbox, _ = walk([TETAP], (COACH, ANI), {key: Status.SUBMITTED}, submitted,
                     datetime(2026, 3, 1, tzinfo=UTC), timedelta(minutes=30), facts)
    nudges = [local(r, WITA) for r in of(outbox, COACH, "coach_backlog")]
    # 3 days on is Thursday 23:30 WITA: quiet, so Friday 08:00; then weekly.
    assert nudges == [datetime(2026, 2, 6, 8, tzinfo=ZoneInfo(WITA)),
                      datetime(2026, 2, 12, 23, 30, tzinfo=ZoneInfo(WITA)) + timedelta(hours=8, minutes=30),
                      datetime(2026, 2, 20, 8, tzinfo=ZoneInfo(WITA)),
                      datetime(2026, 2, 27, 8, tzinfo=ZoneInfo(WITA))]
    # Nothing once it was reviewed.
    assert not [r for r in due_reminders([TETAP], (COACH, ANI), {key: Status.CONFIRMED},
                                         datetime(2026, 2, 10, tzinfo=UTC), facts=facts)
                if r.kind == "coach_backlog"]


def test_pic_digest_on_mondays_at_eight_local() -> None:
    statuses = {(ANI.id, TETAP.id, "rencana", 2026): Status.CONFIRMED}
    unreachable = Person(6, "Dodi", unit="u2", coach_id=1, programs=frozenset({TETAP.id}), unreachable=True)
    # From Monday 5 January, 00:00 WIT.
    outbox, _ = walk([TETAP], (*PEOPLE, unreachable), statuses, datetime(2026, 1, 4, 15, tzinfo=UTC),
                     datetime(2026, 3, 1, tzinfo=UTC), timedelta(minutes=30))
    digests = of(outbox, PIC, "pic_digest")
    assert [local(r, WIT) for r in digests] == [
        datetime(2026, 1, 5, 8, tzinfo=ZoneInfo(WIT)) + timedelta(weeks=w) for w in range(8)]
    assert dict(digests[0].message.params) == {
        "program": Msg("program.kemenkes_tetap"), "stage": Msg("recap.sheet_name", {"name": "Perencanaan"}),
        "total": 4, "done": 1, "pending": 3, "unreachable": 1}
    assert not [r for r in outbox.values() if r.recipient == unreachable.id]


def with_cadence(**rule: object) -> ProgramSpec:
    data = TETAP.model_dump(by_alias=True)
    data.update(id="kemlu", reminders=[{"kind": "cadence", "activity": "rencana", **rule}])
    return ProgramSpec.model_validate(data)


def test_cadence_every_fourteen_days_without_an_entry() -> None:
    program = with_cadence(every_days=14)
    ani = Person(2, "Ani", timezone=WIB, coach_id=1, programs=frozenset({"kemlu"}))
    facts = Facts(entries={(2, "kemlu", "rencana"): [date(2026, 1, 5), date(2026, 2, 9)]})
    outbox, _ = walk([program], (COACH, ani), {}, datetime(2026, 1, 1, tzinfo=UTC),
                     datetime(2026, 3, 31, tzinfo=UTC), timedelta(hours=6), facts)
    days = [local(r, WIB).date() for r in of(outbox, ani, "cadence")]
    # Every 14 days without an entry: after 5 Jan twice, then after 9 Feb.
    assert days == [date(2026, 1, 19), date(2026, 2, 2), date(2026, 2, 23), date(2026, 3, 9),
                    date(2026, 3, 23)]
    assert len(of(outbox, COACH, "cadence.coach")) == 5


def test_gentle_cadence_at_most_once_a_quarter() -> None:
    program = with_cadence(every_days=14, gentle=True)
    ani = Person(2, "Ani", timezone=WIT, coach_id=1, programs=frozenset({"kemlu"}))
    outbox, _ = walk([program], (COACH, ani), {}, datetime(2026, 1, 1, tzinfo=UTC),
                     datetime(2027, 1, 1, tzinfo=UTC), timedelta(days=1))
    quarters = [r.subject for r in of(outbox, ani, "cadence")]
    assert quarters == ["rencana@2026-Q1", "rencana@2026-Q2", "rencana@2026-Q3", "rencana@2026-Q4"]
    assert not of(outbox, COACH, "cadence.coach")


def test_cadence_per_month_with_a_minimum() -> None:
    program = with_cadence(per="month", min=2)
    ani = Person(2, "Ani", timezone=WIB, programs=frozenset({"kemlu"}))
    facts = Facts(entries={(2, "kemlu", "rencana"): [date(2026, 1, 3), date(2026, 1, 10), date(2026, 2, 2)]})
    outbox, _ = walk([program], (ani,), {}, datetime(2026, 1, 1, tzinfo=UTC),
                     datetime(2026, 4, 1, tzinfo=UTC), timedelta(hours=12), facts)
    assert [r.subject for r in of(outbox, ani, "cadence")] == ["rencana@2026-02", "rencana@2026-03"]
    assert of(outbox, ani, "cadence")[0].message.params["count"] == 1


def test_a_coach_chosen_for_a_program_is_the_one_reminded_in_it() -> None:
    """Profesi and Talenta coaches are chosen: their coachees' backlog and
    cadence go to them, while the roster's coach keeps the rest."""
    chosen = Person(7, "Profesi coach", timezone=WIB)
    data = TETAP.model_dump(by_alias=True)
    data.update(id="kemlu", reminders=[{"kind": "cadence", "activity": "rencana", "every_days": 14},
                                       {"kind": "coach_backlog", "after_days": 3, "then_every_days": 7}])
    program = ProgramSpec.model_validate(data)
    ani = Person(2, "Ani", timezone=WIB, coach_id=COACH.id, programs=frozenset({"kemlu", TETAP.id}),
                 coaches={"kemlu": chosen.id})
    waiting = {(ani.id, p, "rencana", 2026): Status.SUBMITTED for p in ("kemlu", TETAP.id)}
    submitted = dict.fromkeys(waiting, datetime(2026, 2, 2, 3, tzinfo=UTC))
    due = due_reminders([program, TETAP], (COACH, ani, chosen), waiting, datetime(2026, 2, 20, 3, tzinfo=UTC),
                        facts=Facts(submitted_at=submitted))
    to = {(r.kind, r.program): r.recipient for r in due if r.recipient != ani.id}
    assert to == {("cadence.coach", "kemlu"): chosen.id, ("coach_backlog", "kemlu"): chosen.id,
                  ("coach_backlog", TETAP.id): COACH.id}


def test_muted_optional_kinds_but_mandatory_stages_stay_on() -> None:
    ani = Person(2, "Ani", timezone=WIB, programs=frozenset({TETAP.id}),
                 muted=frozenset({"stage_window", "cadence"}))
    assert due_reminders([TETAP], (ani,), {}, datetime(2026, 1, 2, 3, tzinfo=UTC))
    gentle = with_cadence(every_days=14)
    assert not due_reminders([gentle], (ani,), {}, datetime(2026, 3, 2, 3, tzinfo=UTC))


def test_every_message_key_is_in_the_catalogs(year: dict[str, Reminder]) -> None:
    ids = Catalogs().messages["id"]
    keys = {r.message.key for r in year.values()} | {"reminder.cadence_every", "reminder.cadence_month",
                                                      "reminder.cadence_quarter", "reminder.cadence_coach",
                                                      "reminder.coach_backlog", "reminder.no_stage",
                                                      "reminder.stage_open.coachees",
                                                      "reminder.coach_stage_pending",
                                                      "reminder.coach_stage_overdue"}
    assert keys <= set(ids), keys - set(ids)


def spec_error(extra: str) -> str:
    forms = [(str(f), parse_spec(f.read_text(encoding="utf-8"), str(f)))
             for f in sorted((FLOWS / "forms").glob("*.yaml"))]
    text = TETAP_YAML + extra
    with pytest.raises(SpecError) as e:
        build_spec_set([*forms, ("tetap.yaml", parse_spec(text, "tetap.yaml"))])
    return str(e.value)


def test_a_misspelt_reminder_kind_is_named_with_a_suggestion() -> None:
    with pytest.raises(SpecError) as e:
        parse_spec(TETAP_YAML + "  - {kind: stage_windows}\n", "t.yaml")
    assert "t.yaml: reminders[3].kind: unknown kind 'stage_windows' (did you mean 'stage_window'?)" \
        in str(e.value)


def test_a_reminder_for_an_unknown_activity_is_refused() -> None:
    assert spec_error("  - {kind: cadence, activity: chekin1, every_days: 14}\n") == \
        "tetap.yaml: reminders[3].activity: unknown activity 'chekin1' (did you mean 'checkin1'?)"


def test_a_cadence_gives_one_period() -> None:
    with pytest.raises(SpecError, match="exactly one of every_days and per"):
        parse_spec(TETAP_YAML
                   + "  - {kind: cadence, activity: rencana, every_days: 14, per: month}\n", "t.yaml")
