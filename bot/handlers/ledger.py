"""JP: crediting a completed activity into the ledger, and /jp."""

from __future__ import annotations

from dataclasses import replace

from bot.handlers.taking_part import taking_part
from bot.turn import Turn
from flows.conversation import State
from flows.form_engine import display_value
from flows.form_spec import FormSpec
from flows.jp import Claim, LedgerLine, credit, totals_by_program
from flows.messages import Msg, Reply
from flows.program import JP_RIGHT_PER_YEAR, Status
from flows.program_spec import ProgramSpec
from storage import repo
from storage.repo import SubmissionRecord


async def credit_completed(t: Turn, record: SubmissionRecord) -> dict[int, LedgerLine]:
    """Ledger lines for a form that was just completed: its own (unless its
    rule waits for a later activity) and those of earlier activities that
    waited for this one. Written under the lock of the person's enrolment,
    so two completions at once see each other's lines and caps hold."""
    program = t.specs.programs.get(record.program)
    if program is None:
        return {}
    await repo.lock_enrolment(t.s, record.employee_id, program.id, record.year, t.now)
    statuses = await repo.statuses(t.s, record.employee_id, program.id, record.year)
    pending = [record] if _ready(program, record.activity, statuses, record) else []
    for activity in program.activities:
        if activity.jp and activity.jp.held_until == record.activity and activity.id != record.activity:
            earlier = statuses.get(activity.id)
            if earlier is not None and earlier.status is Status.CONFIRMED:
                pending.append(earlier)
    written: dict[int, LedgerLine] = {}
    for item in pending:
        rule = program.activity(item.activity).jp
        if rule is None or await repo.lines_for_submission(t.s, item.id):
            continue
        prior = await repo.lines_of(t.s, item.employee_id, program=program.id)
        line = credit(rule, Claim(program.id, item.activity, item.day or t.today, item.answers), prior)
        line = _readable(line, t.specs.forms.get(item.form_id))
        await repo.add_line(t.s, item.employee_id, item.id, line, t.now)
        written[item.id] = line
    return written


def _readable(line: LedgerLine, form: FormSpec | None) -> LedgerLine:
    """The reason as people read it: an option's label, not its stored value."""
    if form is None or "field" not in line.reason.params:
        return line
    params = dict(line.reason.params)
    f = form.field(str(params["field"]))
    for key in ("expected", "given"):
        params[key] = display_value(f, str(params.get(key) or "")) if params.get(key) else "-"
    params["field"] = Msg(f.label)
    return replace(line, reason=Msg(line.reason.key, params))


def _ready(program: ProgramSpec, activity_id: str, statuses: dict[str, SubmissionRecord],
           record: SubmissionRecord) -> bool:
    rule = program.activity(activity_id).jp
    if rule is None or rule.held_until is None or rule.held_until == activity_id:
        return True
    held = statuses.get(rule.held_until)
    return held is not None and held.status is Status.CONFIRMED


async def show(t: Turn, state: State, args: str) -> State:
    """/jp: the year's ledger lines with their reasons, per program."""
    year = t.today.year
    lines = await repo.lines_of(t.s, t.person.id, year=year)
    total = await repo.jp_total(t.s, t.person.id, year)
    out: list[Msg] = [Msg("jp.title", {"year": year, "name": t.person.nama})]
    waiting = await _held(t)
    if not lines and not waiting:
        out.append(Msg("jp.none"))
    by_program = totals_by_program(lines, year)
    for program_id, subtotal in by_program.items():
        out.append(Msg("jp.program", {"program": _program_title(t, program_id), "jp": subtotal}))
        for line in lines:
            if line.program != program_id:
                continue
            # "Dihitung 2 JP" would only repeat the figure; other reasons explain it.
            plain = line.reason.key == "jp.credited"
            out.append(Msg("jp.line" if not plain else "jp.line_plain", {
                "day": line.day, "activity": t.activity_title(line.program, line.activity),
                "jp": line.credited, "reason": line.reason,
            }))
    out.extend(waiting)
    out.append(Msg("jp.total", {"jp": total, "target": JP_RIGHT_PER_YEAR}))
    t.reply(Reply(tuple(out)))
    return state


async def _held(t: Turn) -> list[Msg]:
    """Completed activities whose JP wait for a later one (Profesi's sessions
    until the coach's Form Evaluasi is in)."""
    found: list[Msg] = []
    for taking in await taking_part(t, t.person):
        program = taking.program
        held = [a for a in program.activities if a.jp and a.jp.held_until not in (None, a.id)]
        if not held:
            continue
        records = await repo.statuses(t.s, t.person.id, program.id, taking.cycle)
        for activity in held:
            record = records.get(activity.id)
            if record is None or record.status is not Status.CONFIRMED \
                    or await repo.lines_for_submission(t.s, record.id):
                continue
            assert activity.jp is not None and activity.jp.held_until is not None
            found.append(Msg("jp.held", {"activity": Msg(activity.title), "program": Msg(program.title),
                                         "after": Msg(program.activity(activity.jp.held_until).title)}))
    return found


def _program_title(t: Turn, program_id: str) -> Msg:
    program = t.specs.programs.get(program_id)
    return Msg(program.title) if program else Msg("program.unknown", {"program": program_id})
