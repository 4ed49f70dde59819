"""JP ledger: crediting many activity entries under the caps, and /status
over a long ledger.

(1) 10,000 people log 100,000 Langsa-like activity entries (coaching and
mentoring: 2 JP, 4 international, 2 counted a month; belajar mandiri: the
hours, 2 JP a day, +20 % international after the cap), dated over the
months of 2026 in which each person is active, so the caps bite. Each entry
is credited as bot.handlers.ledger.credit_completed credits one: the
person's enrolment locked, their lines in the program read, flows.jp.credit(),
repo.add_line. People are batched per transaction (--batch), their entries
credited one by one in the order they happened. References in the same run:
the same rows written into a copy of the ledger table with the same
batching, without the lock, the read and the rule, as one INSERT per line
and as one executemany per batch.

(2) /status through Bina.handle (the real Turn, handlers and transaction) for
one person with 200 ledger lines in two programs and a few submissions, on
the database of (1); reference: /bantuan for the same person, interleaved.

    .venv/bin/python bench/ledger.py [--people 10000] [--lines 100000] [--batch 100] [--runs 200] [--db URL]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from _common import (
    NOW,
    GcWatch,
    Spec,
    arguments,
    fixed_clock,
    machine,
    median,
    next_id,
    pct,
    peak_rss_mb,
    roster,
    run_bench,
    verdict,
)
from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    func,
    insert,
    select,
)

from bot.core import Bina
from bot.i18n import Catalogs
from bot.render import reply_text, split_text
from bot.runner import tune_gc
from bot.turn import Outgoing, Sender
from flows.events import CommandReceived
from flows.jp import Claim, JpRule, LedgerLine, credit
from flows.program import Status
from flows.spec import DEFAULT_PROGRAMS, SpecSet, load_specs
from storage import repo
from storage.db import Database
from storage.models import Employee, JpLine, Submission
from storage.repo.ledger import _plain

TARGET_STATUS_MS = 20.0

YEAR = NOW.year  # the cycle; every entry is dated in it
LANGSA, TETAP = "langsa", "kemenkes_tetap"
UNIT_UTAMA = "Sekretariat Daerah Kota Langsa"
PER_UNIT = 1_000
STATUS_TG = 910_001
STATUS_LINES = 200
D0 = Decimal("0.0")

# The bundled Langsa program and its rules, as `bina run` serves it with
# BINA_PROGRAMS including langsa.
SPECS = load_specs(programs=[*DEFAULT_PROGRAMS, LANGSA])
RULES: dict[str, JpRule] = {a.id: a.jp for a in SPECS.programs[LANGSA].activities if a.jp}
# What a person logs: activity and weight; the hours a self-study entry gives.
MIX = {"coaching": 0.30, "mentoring": 0.20, "belajar_mandiri": 0.50}
HOURS = ("0,5", "1", "1", "1,5", "2", "2", "3")
ACTIVE_MONTHS = 3  # months of the year in which one person logs anything
STUDY_DAYS = 3  # days of such a month on which they study


# --- seeding people -------------------------------------------------------------------------------


def organisation(people: int) -> list[Spec]:
    """Index 0 heads the unit utama; each unit kerja of PER_UNIT has a head
    reporting to 0 and staff reporting to the head. The last index is the
    person whose /status is timed."""
    specs: list[Spec] = []
    for i in range(people + 1):
        k = i // PER_UNIT
        unit = f"Bagian {k + 1:02d}"
        head = k * PER_UNIT if k else 1
        atasan = None if i == 0 else 0 if i == head else head
        specs.append(Spec(i, UNIT_UTAMA, unit, atasan=atasan))
    return specs


async def seed_people(db: Database, people: int) -> list[int]:
    """Employee ids in roster order (the last one is the /status person)."""
    rows = roster(organisation(people))
    async with db.transaction() as s:
        if (await s.execute(select(func.count(Employee.id)))).scalar_one():
            raise SystemExit("the database already has employees; give an empty one (it is migrated here)")
        await repo.upsert_roster(s, rows, NOW)
        ids = dict((await s.execute(select(Employee.nip, Employee.id))).all())
        await repo.link_telegram(s, ids[rows[-1].nip], STATUS_TG, "id", NOW)
    return [ids[r.nip] for r in rows]


# --- entries --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    employee_id: int
    activity: str
    day: date
    answers: dict[str, str]


def person_entries(rng: random.Random, employee_id: int, count: int, months: Sequence[int]) -> list[Entry]:
    """One person's log, in the order it happened."""
    active = sorted(rng.sample(list(months), min(ACTIVE_MONTHS, len(months))))
    study = {m: rng.sample(range(1, 29), STUDY_DAYS) for m in active}
    names, weights = list(MIX), list(MIX.values())
    out: list[Entry] = []
    for _ in range(count):
        activity = rng.choices(names, weights)[0]
        month = rng.choice(active)
        if activity == "belajar_mandiri":
            day = date(YEAR, month, rng.choice(study[month]))
            answers = {"jam": rng.choice(HOURS), "internasional": "ya" if rng.random() < 0.20 else "tidak"}
        else:
            day = date(YEAR, month, rng.randint(1, 28))
            answers = {"internasional": "ya" if rng.random() < 0.15 else "tidak"}
        out.append(Entry(employee_id, activity, day, answers))
    out.sort(key=lambda e: e.day)  # stable: same-day entries keep their order
    return out


def all_entries(employee_ids: Sequence[int], lines: int) -> list[list[Entry]]:
    """`lines` entries over the people, as evenly as the division allows."""
    rng = random.Random(2026)
    per, extra = divmod(lines, len(employee_ids))
    months = range(1, NOW.month)  # whole months before the clock's
    return [person_entries(rng, e, per + (i < extra), months) for i, e in enumerate(employee_ids)]


# --- crediting as the app does --------------------------------------------------------------------


@dataclass
class Steps:
    """Seconds spent in each part of crediting one entry, summed."""

    lock: float = 0.0
    read: float = 0.0
    rule: float = 0.0
    write: float = 0.0
    prior_lines: int = 0


async def credit_one(s: Any, steps: Steps, employee_id: int, program: str, rule: JpRule, claim: Claim,
                     submission_id: int | None) -> LedgerLine:
    """The steps of credit_completed for one item: lock, read, credit(), write."""
    t0 = time.perf_counter()
    await repo.lock_enrolment(s, employee_id, program, YEAR, NOW)
    t1 = time.perf_counter()
    prior = await repo.lines_of(s, employee_id, program=program)
    t2 = time.perf_counter()
    line = credit(rule, claim, prior)
    t3 = time.perf_counter()
    await repo.add_line(s, employee_id, submission_id, line, NOW)
    t4 = time.perf_counter()
    steps.lock += t1 - t0
    steps.read += t2 - t1
    steps.rule += t3 - t2
    steps.write += t4 - t3
    steps.prior_lines += len(prior)
    return line


def batches(people: list[list[Entry]], size: int) -> Iterator[list[list[Entry]]]:
    for i in range(0, len(people), size):
        yield people[i:i + size]


@dataclass
class CreditRun:
    entries: int
    seconds: float
    steps: Steps
    lines: list[tuple[int, LedgerLine]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.entries / self.seconds if self.seconds else 0.0


async def credit_all(db: Database, people: list[list[Entry]], batch: int) -> CreditRun:
    steps = Steps()
    written: list[tuple[int, LedgerLine]] = []
    t0 = time.perf_counter()
    for group in batches(people, batch):
        async with db.transaction() as s:
            for entries in group:
                for e in entries:
                    claim = Claim(LANGSA, e.activity, e.day, e.answers)
                    line = await credit_one(s, steps, e.employee_id, LANGSA, RULES[e.activity], claim, None)
                    written.append((e.employee_id, line))
    seconds = time.perf_counter() - t0
    return CreditRun(len(written), seconds, steps, written)


# --- the reference: the same rows, plain INSERTs --------------------------------------------------


def reference_table() -> Table:
    """The ledger's columns and indexes under another name; the foreign key
    to employees is kept (the others are NULL in every row written)."""
    src = JpLine.__table__
    plain = ("program", "activity", "submission_id", "day", "claimed", "base", "credited", "rule",
             "reason_key", "reason_params", "reverses", "created_at")
    return Table(
        "bench_ref_ledger", MetaData(),
        Column("id", Integer, primary_key=True),
        Column("employee_id", src.c.employee_id.type, ForeignKey(Employee.__table__.c.id), nullable=False),
        *(Column(name, src.c[name].type, nullable=src.c[name].nullable) for name in plain),
        Index("ix_bench_ref_ledger_employee_day", "employee_id", "day"),
        Index("ix_bench_ref_ledger_submission_id", "submission_id"),
    )


def row_values(employee_id: int, line: LedgerLine) -> dict[str, Any]:
    """What repo.add_line writes for a line."""
    return dict(
        employee_id=employee_id, program=line.program, activity=line.activity, submission_id=None,
        day=line.day, claimed=line.claimed, base=line.base, credited=line.credited, rule=line.rule,
        reason_key=line.reason.key, reason_params={k: _plain(v) for k, v in line.reason.params.items()},
        reverses=line.reverses, created_at=NOW,
    )


async def reference_inserts(db: Database, table: Table, lines: list[tuple[int, LedgerLine]],
                            per_person: list[int], batch: int, bulk: bool) -> float:
    """Seconds to write `lines` in the same transactions as the credit run."""
    async with db.engine.begin() as conn:
        await conn.run_sync(table.drop, checkfirst=True)
        await conn.run_sync(table.create)
    t0 = time.perf_counter()
    at = 0
    for i in range(0, len(per_person), batch):
        n = sum(per_person[i:i + batch])
        chunk = lines[at:at + n]
        at += n
        async with db.transaction() as s:
            conn = await s.connection()
            if bulk:
                await conn.execute(insert(table), [row_values(e, line) for e, line in chunk])
            else:
                for e, line in chunk:
                    await conn.execute(insert(table).values(row_values(e, line)))
    seconds = time.perf_counter() - t0
    async with db.engine.begin() as conn:
        await conn.run_sync(table.drop)
    return seconds


# --- report of the credit run ---------------------------------------------------------------------


def outcome(line: LedgerLine) -> str:
    """Which rule decided the entry's fate."""
    if line.claimed == 0:
        return f"nothing claimed ({line.reason.key})"
    if line.base == 0:
        reason = line.reason.params.get("before") if line.reason.key == "jp.bonus" else line.reason
        key = getattr(reason, "key", line.reason.key)
        return {"jp.month_cap": "refused by max_times_per_month",
                "jp.day_cap_reached": "refused by max_jp_per_day"}.get(key, f"refused ({key})")
    if line.base < line.claimed:
        return "cut by max_jp_per_day"
    return "credited in full"


def describe_credit(run: CreditRun) -> None:
    lines = [line for _, line in run.lines]
    claimed = sum((x.claimed for x in lines), D0)
    base = sum((x.base for x in lines), D0)
    credited = sum((x.credited for x in lines), D0)
    print(f"  {run.entries} entries credited in {run.seconds:.1f} s = {run.rate:,.0f} lines/s")
    n = max(run.entries, 1)
    st = run.steps
    print(f"  per entry: lock {st.lock / n * 1e3:.3f} ms, read {st.read / n * 1e3:.3f} ms "
          f"({st.prior_lines / n:.1f} prior lines on average), credit() {st.rule / n * 1e3:.3f} ms, "
          f"write {st.write / n * 1e3:.3f} ms; commits and the rest "
          f"{(run.seconds - st.lock - st.read - st.rule - st.write) / n * 1e3:.3f} ms")
    share = f"{credited / claimed:.1%}" if claimed else "-"
    print(f"  JP claimed {claimed:,}, after the caps {base:,}, credited {credited:,} "
          f"(bonus +{credited - base:,}; {share} of claimed)")
    by_outcome = Counter(outcome(x) for x in lines)
    by_activity: dict[str, Counter[str]] = {}
    for x in lines:
        by_activity.setdefault(x.activity, Counter())[outcome(x)] += 1
    width = max(map(len, by_outcome), default=0)
    for name, count in by_outcome.most_common():
        split = ", ".join(f"{a} {c[name]}" for a, c in sorted(by_activity.items()) if c[name])
        print(f"    {name:<{width}}  {count:>7} ({count / n:.1%})  [{split}]")
    by_rule = Counter(x.rule for x in lines)
    print("  decided by rule key: " + ", ".join(f"{k} {v}" for k, v in sorted(by_rule.items())))


async def ledger_check(db: Database, run: CreditRun) -> tuple[int, Decimal]:
    async with db.transaction() as s:
        count, total = (await s.execute(select(func.count(), func.coalesce(func.sum(JpLine.credited), 0))
                                        .where(JpLine.program == LANGSA))).one()
    return int(count), Decimal(total)


# --- the /status person ---------------------------------------------------------------------------

TETAP_STAGES = (("rencana", "rencana_pengembangan", date(YEAR, 2, 10), "selesai"),
                ("checkin1", "risalah_checkin", date(YEAR, 5, 12), "selesai"),
                ("checkin2", "risalah_checkin", date(YEAR, 8, 18), "selesai"),
                ("checkin3", "risalah_checkin", date(YEAR, 10, 20), "belum_selesai"))
LOG_SUBMISSIONS = (("coaching", "langsa_coaching", Status.CONFIRMED),
                   ("coaching", "langsa_coaching", Status.CONFIRMED),
                   ("mentoring", "langsa_mentoring", Status.CONFIRMED),
                   ("mentoring", "langsa_mentoring", Status.SUBMITTED),
                   ("belajar_mandiri", "langsa_belajar_mandiri", Status.CONFIRMED),
                   ("belajar_mandiri", "langsa_belajar_mandiri", Status.SUBMITTED))


async def seed_status_person(db: Database, specs: SpecSet, employee_id: int) -> tuple[int, int]:
    """Four Tetap dialogs confirmed (each with its ledger line) and six Langsa
    log entries, then Langsa lines up to STATUS_LINES, all credited as above.
    Returns (ledger lines, submissions)."""
    steps = Steps()
    tetap = specs.programs[TETAP]
    subs: list[dict[str, Any]] = []
    for stage, form, day, finished in TETAP_STAGES:
        subs.append(dict(employee_id=employee_id, program=TETAP, activity=stage, year=YEAR, occurrence=0,
                         form_id=form, spec_version=specs.forms[form].version, answers={"status": finished},
                         cursor=0, status=Status.CONFIRMED.value, day=day, submitted_at=NOW, decided_at=NOW,
                         created_at=NOW, updated_at=NOW))
    occurrence: Counter[str] = Counter()
    for activity, form, status in LOG_SUBMISSIONS:
        occurrence[activity] += 1
        subs.append(dict(employee_id=employee_id, program=LANGSA, activity=activity, year=YEAR,
                         occurrence=occurrence[activity], form_id=form, spec_version=1,
                         answers={"internasional": "tidak"}, cursor=0, status=status.value,
                         day=date(YEAR, 9, 1), submitted_at=NOW,
                         decided_at=NOW if status is Status.CONFIRMED else None,
                         created_at=NOW, updated_at=NOW))
    async with db.transaction() as s:
        await s.execute(insert(Submission), subs)
        ids = dict((await s.execute(select(Submission.activity, Submission.id).where(
            Submission.employee_id == employee_id, Submission.program == TETAP))).all())
        for stage, _, day, finished in TETAP_STAGES:
            rule = tetap.activity(stage).jp
            assert rule is not None
            claim = Claim(TETAP, stage, day, {"status": finished})
            await credit_one(s, steps, employee_id, TETAP, rule, claim, ids[stage])
        rng = random.Random(7)
        months = range(1, NOW.month)
        entries: list[Entry] = []
        while len(entries) < STATUS_LINES - len(TETAP_STAGES):
            entries += person_entries(rng, employee_id, 20, months)
        entries = sorted(entries[:STATUS_LINES - len(TETAP_STAGES)], key=lambda e: e.day)
        for e in entries:
            claim = Claim(LANGSA, e.activity, e.day, e.answers)
            await credit_one(s, steps, employee_id, LANGSA, RULES[e.activity], claim, None)
    async with db.transaction() as s:
        lines = await repo.lines_of(s, employee_id)
    return len(lines), len(subs)


# --- timing /status -------------------------------------------------------------------------------


@dataclass
class Latency:
    name: str
    ms: list[float] = field(default_factory=list)

    def summary(self) -> str:
        return (f"median {median(self.ms):.2f} ms, p95 {pct(self.ms, 95):.2f} ms, "
                f"min {min(self.ms, default=0):.2f}, max {max(self.ms, default=0):.2f} ({len(self.ms)} runs)")


async def time_status(bina: Bina, catalogs: Catalogs, employee_id: int, runs: int) -> dict[str, Any]:
    sender = Sender(STATUS_TG, STATUS_TG, "id")

    async def handle(command: str) -> tuple[list[Outgoing], float]:
        t0 = time.perf_counter()
        result = await bina.handle(next_id(), sender, CommandReceived(command))
        return result.messages, (time.perf_counter() - t0) * 1000

    for _ in range(5):  # warm-up: statement caches, the conversation row
        await handle("status")
        await handle("bantuan")
    status, bantuan = Latency("/status"), Latency("/bantuan")
    render, query = Latency("render"), Latency("lines_of")
    reply: list[Outgoing] = []
    for _ in range(runs):  # interleaved, so drift of the machine hits both alike
        reply, ms = await handle("status")
        status.ms.append(ms)
        _, ms = await handle("bantuan")
        bantuan.ms.append(ms)
    for _ in range(runs):
        t0 = time.perf_counter()
        for out in reply:
            split_text(reply_text(catalogs, out.reply, out.lang))
        render.ms.append((time.perf_counter() - t0) * 1000)
        async with bina.db.transaction() as s:
            t0 = time.perf_counter()
            await repo.lines_of(s, employee_id, year=YEAR)
            query.ms.append((time.perf_counter() - t0) * 1000)
    return {"status": status, "bantuan": bantuan, "render": render, "query": query, "reply": reply}


def check_reply(reply: list[Outgoing], expected_jp: Decimal) -> list[str]:
    problems: list[str] = []
    if len(reply) != 1:
        return [f"expected one message, got {len(reply)}"]
    msgs = reply[0].reply.lines
    totals = [m.params.get("jp") for m in msgs if m.key == "status.jp"]
    per_program = [m for m in msgs if m.key == "status.program_jp"]
    if totals != [expected_jp]:
        problems.append(f"total JP {totals}, ledger says {expected_jp}")
    if len(per_program) != 2:
        problems.append(f"{len(per_program)} programs with JP, expected 2")
    return problems


# --- main -----------------------------------------------------------------------------------------


async def main_async(args: argparse.Namespace, url: str) -> None:
    db = Database(url)
    t0 = time.perf_counter()
    ids = await seed_people(db, args.people)
    people_ids, status_id = ids[:-1], ids[-1]
    print(f"seeded {len(ids)} employees ({args.people} loggers + the /status person) "
          f"in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    people = all_entries(people_ids, args.lines)
    per_person = [len(p) for p in people]
    print(f"generated {sum(per_person)} entries ({min(per_person)}-{max(per_person)} per person, "
          f"{ACTIVE_MONTHS} active months each) in {time.perf_counter() - t0:.1f} s")
    specs = SPECS
    tune_gc()  # as `bina run` does once started

    print(f"\n(1) crediting, {args.batch} people per transaction, one lock-read-credit-write per entry")
    with GcWatch() as watch:
        run = await credit_all(db, people, args.batch)
    describe_credit(run)
    print(f"  {watch.summary()}")
    count, total = await ledger_check(db, run)
    expected = sum((line.credited for _, line in run.lines), D0)
    ledger_ok = count == run.entries and total == expected
    print(f"  ledger holds {count} {LANGSA} lines, {total:,} JP credited "
          f"({'matches' if ledger_ok else 'DIFFERS FROM'} the lines written)")

    print("\n    reference: the same rows into a copy of the ledger table, same transactions")
    table = reference_table()
    row_s = await reference_inserts(db, table, run.lines, per_person, args.batch, bulk=False)
    bulk_s = await reference_inserts(db, table, run.lines, per_person, args.batch, bulk=True)
    row_rate, bulk_rate = run.entries / row_s, run.entries / bulk_s
    print(f"  one INSERT per line:     {row_s:.1f} s = {row_rate:,.0f} lines/s")
    print(f"  executemany per batch:   {bulk_s:.1f} s = {bulk_rate:,.0f} lines/s")
    run.lines.clear()

    print(f"\n(2) /status for one person with {STATUS_LINES} ledger lines, through Bina.handle")
    lines, subs = await seed_status_person(db, specs, status_id)
    async with db.transaction() as s:
        year_lines = await repo.lines_of(s, status_id, year=YEAR)
        expected_jp = await repo.jp_total(s, status_id, YEAR)
    print(f"  the person: {lines} ledger lines ({len(year_lines)} in {YEAR}, "
          f"{len({x.program for x in year_lines})} programs), {subs} submissions, {expected_jp} JP")
    bina = Bina(db, specs, fixed_clock)
    catalogs = Catalogs()
    with GcWatch() as watch:
        timed = await time_status(bina, catalogs, status_id, args.runs)
    status, bantuan = timed["status"], timed["bantuan"]
    reply: list[Outgoing] = timed["reply"]
    text = "\n".join(reply_text(catalogs, o.reply, o.lang) for o in reply)
    problems = check_reply(reply, expected_jp)
    print(f"  /status via Bina.handle:  {status.summary()}")
    print(f"  /bantuan via Bina.handle: {bantuan.summary()}")
    print(f"  rendering the /status reply to text: median {median(timed['render'].ms):.2f} ms "
          f"({len(text)} characters, {text.count(chr(10)) + 1} lines)")
    print(f"  repo.lines_of(year) alone: median {median(timed['query'].ms):.2f} ms")
    print(f"  {watch.summary()}")
    for p in problems:
        print(f"  PROBLEM {p}")
    await db.dispose()

    print(f"\nmachine at the end: {machine()}")
    print("\n== targets ==")
    med, p95 = median(status.ms), pct(status.ms, 95)
    print(f"{verdict(med <= TARGET_STATUS_MS)}  /status median {med:.2f} ms with {lines} ledger lines "
          f"(target <= {TARGET_STATUS_MS:.0f} ms)")
    print(f"{verdict(p95 <= TARGET_STATUS_MS)}  /status p95 {p95:.2f} ms "
          f"(target <= {TARGET_STATUS_MS:.0f} ms)")
    print(f"{verdict(ledger_ok and not problems)}  ledger rows and JP as credited; /status shows the "
          f"ledger's total ({len(problems)} problems)")
    print(f"crediting {run.rate:,.0f} lines/s = {run.rate / row_rate:.1%} of one INSERT per line, "
          f"{run.rate / bulk_rate:.1%} of executemany")
    print(f"/status median = {med / median(bantuan.ms):.1f} x /bantuan's ({median(bantuan.ms):.2f} ms)")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--people", type=int, default=10_000, help="people logging entries (default 10000)")
    parser.add_argument("--lines", type=int, default=100_000, help="entries credited in all (default 100000)")
    parser.add_argument("--batch", type=int, default=100, help="people per transaction (default 100)")
    parser.add_argument("--runs", type=int, default=200, help="timed /status runs (default 200)")
    args = parser.parse_args()
    if args.people < 1 or args.lines < 0 or args.batch < 1 or args.runs < 1:
        parser.error("--people, --batch and --runs must be at least 1, --lines at least 0")
    run_bench(args, lambda url, _: main_async(args, url))


if __name__ == "__main__":
    main()
