"""The koordinator's quarterly recap to the pembina (K:1316: "Melaporkan
rekapitulasi data di akhir sesi triwulan ke unit pembina") and the
pembina's verification of it (K:1290); /laporan lists what was sent, by
whom and when, and whether it is verified."""

from __future__ import annotations

from collections.abc import Mapping

from bot.handlers.averages import stage_averages
from bot.handlers.monitoring import recap_rows_for
from bot.turn import Turn
from flows.access import monitoring_scope
from flows.callbacks import SendRecap, VerifyRecap, pack
from flows.conversation import State
from flows.documents import ROMAN, parse_quarter, period_of_quarter, quarter_of
from flows.messages import Button, Msg, Reply, reply_to_json
from flows.program_spec import ProgramSpec
from flows.ratings import rating_line
from flows.recap import stage_counts, stage_label
from storage import repo
from storage.repo.outbox import Queued
from storage.repo.reports import Report

LISTED = 20  # /laporan shows the newest


def send_button(program: str, stage: str) -> Button:
    return Button(Msg("report.send"), pack(SendRecap(program, stage)))


async def send_pressed(t: Turn, state: State, cb: SendRecap) -> State:
    scope = monitoring_scope(t.person.roles, t.person.unit_id, t.person.unit_utama_id)
    program = t.specs.programs.get(cb.program)
    stage = program.find(cb.stage) if program else None
    if scope is None or scope.kind != "unit_utama" or scope.unit_id is None:
        t.say("report.koordinator_only")
        return state
    if program is None or stage is None:
        t.say("error.stale_button")
        return state
    rows = await recap_rows_for(t, scope, program)
    units, _ = stage_counts(program, stage, rows, by_unit_utama=False)
    period = period_of_quarter(t.today.year, quarter_of(t.today))
    counts = [(u.unit, u.counts["selesai"], u.total) for u in units]
    report_id, new = await repo.reports.send(t.s, program.id, stage.id, scope.unit_id, period, t.person.id,
                                             counts, t.now)
    if not new:
        t.say("report.already", period=_period(period))
        return state
    [report] = await repo.reports.reports(t.s, [report_id])
    readers = await repo.reports.pembina(t.s)
    # The stage's rating averages go with the counts, as /rekap shows them (3 respondents or more).
    rated, rated_total = await stage_averages(t, program, stage, scope, [u.unit_id for u in units],
                                              t.today.year, by_unit_utama=False)
    ratings = {u.unit: [rating_line(program, a) for a in rated.get(u.unit_id, ())] for u in units}
    ratings[""] = [rating_line(program, a) for a in rated_total]
    notice = reply_to_json(Reply(tuple(_lines(t, report, ratings)), ((_verify(report),),)))
    await repo.outbox.enqueue(t.s, [Queued(f"recap_report:{report_id}:{p}", p, "notice", notice, t.now)
                                    for p in readers], t.now)
    await repo.audit.record(t.s, t.person.id, "kirim_ke_pembina", scope, f"{program.id} {stage.id} {period}",
                            t.now)
    t.say("report.sent", period=_period(period), pembina=len(readers))
    return state


async def verify_pressed(t: Turn, state: State, cb: VerifyRecap) -> State:
    if "pembina" not in t.person.roles:
        t.say("report.pembina_only")
        return state
    done = await repo.reports.verify(t.s, cb.report, t.person.id, t.now)
    found = await repo.reports.reports(t.s, [cb.report])
    if not found:
        t.say("error.stale_button")
        return state
    report = found[0]
    if done:  # the koordinator who sent it learns it was verified, once
        notice = Reply((Msg("report.verified_notice", {"stage": _stage(t, report), "unit": report.unit,
                                                       "period": _period(report.period),
                                                       "by": report.verified_by or ""}),))
        await repo.outbox.enqueue(t.s, [Queued(f"recap_verified:{report.id}", report.sender_id, "notice",
                                               reply_to_json(notice), t.now)], t.now)
    t.say("report.verified" if done else "report.verified_before", by=report.verified_by or "",
          at=report.verified_at.astimezone(t.zone) if report.verified_at else t.now)
    return state


async def reports(t: Turn, state: State, args: str) -> State:
    """/laporan: the recaps koordinator sent, newest first, with who sent
    which when and whether it is verified; a button for each unverified."""
    if "pembina" not in t.person.roles:
        t.say("report.pembina_only")
        return state
    found = await repo.reports.reports(t.s, limit=LISTED)
    if not found:
        t.say("report.none")
        return state
    lines = [Msg("report.list_header")]
    lines += [Msg("report.list_line", {
        "unit": r.unit, "stage": _stage(t, r), "period": _period(r.period), "sender": r.sender,
        "at": r.sent_at.astimezone(t.zone), "state": Msg("report.state_verified", {"by": r.verified_by})
        if r.verified_by else Msg("report.state_open")}) for r in found]
    t.reply(Reply(tuple(lines), tuple((_verify(r),) for r in found if r.verified_at is None)))
    return state


def _lines(t: Turn, r: Report, ratings: Mapping[str, list[Msg]]) -> list[Msg]:
    """The recap as sent: each unit kerja's count, under it its rating
    lines (by unit name; the whole's under "")."""
    lines = [Msg("report.notice", {"sender": r.sender, "unit": r.unit, "stage": _stage(t, r),
                                   "period": _period(r.period)})]
    for u, d, n in r.units:
        share = f"{d / n:.0%}" if n else "–"
        lines += [Msg("report.unit_line", {"unit": u, "done": d, "total": n, "share": share}),
                  *ratings.get(u, ())]
    return [*lines, *ratings.get("", ())]


def _verify(r: Report) -> Button:
    label = Msg("report.verify", {"unit": r.unit, "period": _period(r.period)})
    return Button(label, pack(VerifyRecap(r.id)))


def _stage(t: Turn, r: Report) -> Msg | str:
    program: ProgramSpec | None = t.specs.programs.get(r.program)
    stage = program.find(r.stage) if program else None
    return stage_label(stage) if stage else r.stage


def _period(period: str) -> str:
    parsed = parse_quarter(period)
    return f"{ROMAN[parsed[1] - 1]} {parsed[0]}" if parsed else period
