"""/status: every program the person takes part in, where each activity
stands, and the JP of the year per program against the 20 JP right."""

from __future__ import annotations

from decimal import Decimal

from bot import issuing
from bot.handlers.taking_part import Taking, taking_part
from bot.turn import Turn
from flows import form_engine
from flows.callbacks import Shortcut, pack
from flows.conversation import State
from flows.jp import totals_by_program
from flows.messages import Button, Msg, Reply
from flows.program import JP_RIGHT_PER_YEAR, ActivityWindow, Status, windows
from flows.program_spec import Activity
from flows.workflow import EnrolmentStatus
from storage import repo
from storage.repo import SubmissionRecord


async def status(t: Turn, state: State, args: str) -> State:
    year = t.today.year
    lines: list[Msg] = [Msg("status.title", {"year": year, "name": t.person.nama})]
    ledger = await repo.lines_of(t.s, t.person.id, year=year)
    jp_by_program = totals_by_program(ledger, year)
    for taking in await taking_part(t, t.person):
        title = Msg(taking.program.title)
        lines.append(Msg("status.program", {"program": title}) if taking.cycle == year
                     else Msg("status.program_cycle", {"program": title, "cycle": taking.cycle}))
        lines.extend(await _activities(t, taking))
        if taking.program.id in jp_by_program:
            lines.append(Msg("status.program_jp", {"jp": jp_by_program[taking.program.id]}))
    for e in await repo.enrolments_of(t.s, t.person.id):
        if e.status is EnrolmentStatus.REQUESTED and e.program in t.specs.programs:
            coach = await repo.person_by_id(t.s, e.coach_id) if e.coach_id else None
            lines.append(Msg("pairing.status_requested", {"program": Msg(t.specs.programs[e.program].title),
                                                          "coach": coach.nama if coach else "-"}))
    if t.person.coach_id is None:
        lines.append(Msg("status.no_coach"))
    total = sum(jp_by_program.values(), Decimal(0))
    lines.append(Msg("status.jp", {"jp": total, "target": JP_RIGHT_PER_YEAR}))
    papers = await issuing.offers_for(t.s, t.specs, t.person, year, t.today, t.zone)
    if papers:
        lines.append(Msg("status.documents", {"count": len(papers)}))
    t.reply(Reply(tuple(lines), ((Button(Msg("status.documents_button"), pack(Shortcut("dokumen"))),),)
                  if papers else ()))
    return state


async def _activities(t: Turn, taking: Taking) -> list[Msg]:
    program = taking.program
    records = await repo.statuses(t.s, t.person.id, program.id, taking.cycle)
    dated = {w.activity.id: w for w in windows(program, taking.cycle)}
    logs = await repo.log_counts(t.s, t.person.id, program.id, taking.cycle) \
        if any(a.schedule.kind == "log" for a in program.activities) else {}
    lines: list[Msg] = []
    for activity in program.activities:
        record = records.get(activity.id)
        current = record.status if record else Status.NOT_STARTED
        if activity.schedule.kind == "log":
            counts = logs.get(activity.id, {})
            lines.append(Msg("status.log", {
                "stage": Msg(activity.title), "done": counts.get(Status.CONFIRMED, 0),
                "waiting": counts.get(Status.SUBMITTED, 0),
            }))
            continue
        w = dated.get(activity.id)
        if w is not None:
            lines.append(Msg("status.stage", {"stage": Msg(activity.title), "opens": w.opens,
                                              "closes": w.closes, "status": Msg(f"status.{current.value}")}))
        else:
            lines.append(Msg("status.step", {"stage": Msg(activity.title),
                                             "status": Msg(f"status.{current.value}")}))
        lines.extend(_flags(t, activity, w, record, current))
    return lines


def _flags(t: Turn, activity: Activity, w: ActivityWindow | None, record: SubmissionRecord | None,
           current: Status) -> list[Msg]:
    """What an activity's status line leaves unsaid: late, running now, who fills it, no JP."""
    done = current in (Status.SUBMITTED, Status.CONFIRMED)
    flags: list[Msg] = []
    if activity.filled_by == "coach" and not done:
        flags.append(Msg("status.flag_coach_fills"))
    if record is not None and record.late:
        flags.append(Msg("status.flag_sent_late"))
    elif w is not None and not done and t.today > w.closes:
        flags.append(Msg("status.flag_late", {"closes": w.closes}))
    if w is not None and not done and w.contains(t.today):
        flags.append(Msg("status.flag_current", {"days": (w.closes - t.today).days}))
    if record is not None and current is Status.CONFIRMED and record.form_id in t.specs.forms:
        flags.extend(form_engine.no_jp_lines(activity.jp, t.specs.forms[record.form_id], record.answers))
    return flags
