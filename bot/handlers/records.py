"""Reading forms already sent: /riwayat (one's own, by program and year),
/coachee (a coach's coachees and their forms), and one form at a time, only
for those allowed to read it."""

from __future__ import annotations

from bot.handlers.review import coach_turns
from bot.handlers.taking_part import coach_id, enrolment_of, may_read, taking_part
from bot.turn import Turn
from flows import form_engine
from flows.callbacks import CoacheeForms, OpenActivity, ViewRecord, pack
from flows.conversation import State
from flows.form_engine import FormState
from flows.messages import Button, Msg, Reply
from flows.program import Status
from storage import repo
from storage.repo import Person


async def history(t: Turn, state: State, args: str) -> State:
    """/riwayat: the person's own sent forms."""
    t.reply(await _listing(t, t.person, "history.title"))
    return state


async def _listing(t: Turn, coachee: Person, title: str) -> Reply:
    records = await repo.records_of(t.s, coachee.id)
    lines: list[Msg] = [Msg(title, {"name": coachee.nama})]
    if not records:
        lines.append(Msg("history.none"))
    rows: list[tuple[Button, ...]] = []
    heading: tuple[str, int] | None = None
    for record in records:
        if (record.program, record.year) != heading:
            heading = (record.program, record.year)
            lines.append(Msg("history.program", {"program": _program(t, record.program),
                                                 "year": record.year}))
        label = t.record_title(record)
        lines.append(Msg("history.item", {"n": len(rows) + 1, "item": label,
                                          "status": Msg(f"status.{record.status.value}")}))
        rows.append((Button(Msg("history.open", {"n": len(rows) + 1, "item": label}),
                            pack(ViewRecord(record.id))),))
    return Reply(tuple(lines), tuple(rows[:50]))


def _program(t: Turn, program_id: str) -> Msg:
    program = t.specs.programs.get(program_id)
    return Msg(program.title) if program else Msg("program.unknown", {"program": program_id})


async def view(t: Turn, state: State, cb: ViewRecord) -> State:
    record = await repo.submission_for_update(t.s, cb.submission_id)
    coachee = await repo.person_by_id(t.s, record.employee_id) if record else None
    if record is None or coachee is None or record.form_id not in t.specs.forms:
        t.say("error.stale_button")
        return state
    program = t.specs.programs.get(record.program)
    activity = program.find(record.activity) if program else None
    taking = await enrolment_of(t, coachee, program, record.year) if program else None
    if not may_read(t.person, activity, coachee, taking):
        t.say("history.not_yours")
        return state
    spec = t.specs.forms[record.form_id]
    form = FormState(record.id, spec.id, record.spec_version, record.answers, len(spec.fields))
    body = form_engine.summary(form, spec, with_buttons=False, jp=activity.jp if activity else None)
    head = Msg("history.viewing", {"name": coachee.nama, "item": t.record_title(record),
                                   "status": Msg(f"status.{record.status.value}")})
    t.reply(Reply((head, *body.lines)))
    return state


async def coachees(t: Turn, state: State, args: str) -> State:
    """/coachee: this coach's coachees per program, each with where they stand."""
    people = {p.id: p for p in await repo.coachees_of(t.s, t.person.id)}
    people.update({p.id: p for _, p in await repo.chosen_coachees(t.s, t.person.id)})
    if not people:
        t.say("review.not_coach")
        return state
    lines: list[Msg] = [Msg("coachee.title", {"count": len(people)})]
    rows: list[tuple[Button, ...]] = []
    for person in sorted(people.values(), key=lambda p: p.nama):
        for taking in await taking_part(t, person):
            if coach_id(person, taking) != t.person.id or taking.cycle != t.today.year:
                continue
            records = await repo.statuses(t.s, person.id, taking.program.id, taking.cycle)
            done = sum(1 for r in records.values() if r.status is Status.CONFIRMED)
            steps = len([a for a in taking.program.activities if a.schedule.kind != "log"])
            last = max((r.day for r in records.values() if r.day), default=None)
            lines.append(Msg("coachee.item", {"name": person.nama, "program": Msg(taking.program.title),
                                              "done": done, "total": steps,
                                              "last": last or Msg("coachee.no_activity")}))
        rows.append((Button(Msg("coachee.open", {"name": person.nama}), pack(CoacheeForms(person.id))),))
    t.reply(Reply(tuple(lines), tuple(rows[:50])))
    return state


async def coachee_forms(t: Turn, state: State, cb: CoacheeForms) -> State:
    coachee = await repo.person_by_id(t.s, cb.coachee_id)
    mine = coachee is not None and any(coach_id(coachee, x) == t.person.id
                                       for x in await taking_part(t, coachee))
    if coachee is None or not mine:
        t.say("history.not_yours")
        return state
    listing = await _listing(t, coachee, "coachee.forms_title")
    # Forms only the coach fills, due now, open from here as from /tinjau.
    to_fill: list[tuple[Button, ...]] = []
    for x in await taking_part(t, coachee):
        if coach_id(coachee, x) == t.person.id:
            to_fill.extend((Button(Msg("coachee.fill", {"stage": Msg(a.title)}),
                                   pack(OpenActivity(x.program.id, a.id, coachee.id, x.cycle))),)
                           for a in await coach_turns(t, coachee, x))
    t.reply(Reply(listing.lines, (*to_fill, *listing.buttons)))
    return state
