"""One Bukti Keterangan and a unit's ZIP, end to end through Bina.handle.

A unit kerja of 202 people: its head (kepala_unit, who signs), its PIC, and
200 staff who each held three Tetap dialogs in Triwulan III 2026, confirmed,
with 2 JP each in the ledger.

Timed, runs interleaved:
- one employee pressing the Triwulan III button of /dokumen: the update
  handled (facts read, document issued, PDF rendered in the worker thread)
  and the PDF in the reply. Same-run references: the PDF rendered alone
  (bot.documents.proof_pdf), and WeasyPrint writing a one-line page, the
  floor of any PDF here.
- the PIC pressing "ZIP unit, Triwulan III 2026": the update handled (every
  document's facts read and issued) plus the job that renders the 200 PDFs
  into the ZIP.

Checks: the PDF states 6 JP for 01 Juli s/d 30 September and names its
employee; the ZIP holds one PDF per staff member, each naming its own NIP.

Targets: one PDF <= 300 ms (median); the ZIP of 200 <= 30 s; peak memory
(the process's maximum RSS, seeding included) <= 400 MB.

    .venv/bin/python bench/documents.py [--runs 15] [--zip-runs 2]
"""

from __future__ import annotations

import argparse
import io
import time
import zipfile
from datetime import date
from decimal import Decimal

from _common import (
    NOW,
    Caller,
    Spec,
    arguments,
    fixed_clock,
    machine,
    median,
    nip,
    peak_rss_mb,
    roster,
    rss_mb,
    run_bench,
    verdict,
)
from pypdf import PdfReader
from sqlalchemy import insert, select
from weasyprint import HTML

from bot.core import Bina
from bot.documents import proof_pdf
from bot.i18n import Catalogs
from bot.issuing import proofs
from bot.jobs import run_job
from bot.turn import Outgoing
from flows.callbacks import GetDocument, UnitBundle, pack
from flows.documents import ProofFacts
from flows.events import ChoicePicked
from flows.program import Status
from flows.spec import DEFAULT_PROGRAMS, load_specs
from storage import repo
from storage.db import Database
from storage.models import Employee, JpLine, Submission

TARGET_ONE_MS, TARGET_ZIP_S, TARGET_MB = 300.0, 30.0, 400.0
STAFF, UNIT_UTAMA, UNIT = 200, "Sekretariat Jenderal", "Biro Umum"
HEAD, PIC, FIRST_STAFF = 0, 1, 2
PIC_TG, STAFF_TG = 910_001, 910_002
DIALOGS = ("2026-07-14", "2026-08-11", "2026-09-15")
STAFF_INDEXES = range(FIRST_STAFF, FIRST_STAFF + STAFF)


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


async def seed(db: Database) -> None:
    specs = [Spec(HEAD, UNIT_UTAMA, UNIT, roles="kepala_unit"),
             Spec(PIC, UNIT_UTAMA, UNIT, atasan=HEAD, roles="pic"),
             *(Spec(i, UNIT_UTAMA, UNIT, atasan=HEAD) for i in STAFF_INDEXES)]
    rows = roster(specs)
    async with db.transaction() as s:
        await repo.upsert_roster(s, rows, NOW)
        ids = dict((await s.execute(select(Employee.nip, Employee.id))).all())
        await repo.link_telegram(s, ids[nip(PIC)], PIC_TG, "id", NOW)
        await repo.link_telegram(s, ids[nip(FIRST_STAFF)], STAFF_TG, "id", NOW)
        staff = [ids[nip(i)] for i in STAFF_INDEXES]
        forms = [dict(employee_id=e, program="kemenkes_tetap", activity=f"checkin2_{n}", year=2026,
                      form_id="risalah_checkin", spec_version=3, answers={}, cursor=0,
                      status=Status.CONFIRMED.value, day=date.fromisoformat(day), submitted_at=NOW,
                      decided_at=NOW, created_at=NOW, updated_at=NOW)
                 for e in staff for n, day in enumerate(DIALOGS)]
        await s.execute(insert(Submission), forms)
        made = (await s.execute(select(Submission.id, Submission.employee_id, Submission.day))).all()
        two = Decimal(2)
        await s.execute(insert(JpLine), [dict(
            employee_id=e, program="kemenkes_tetap", activity="checkin2", submission_id=sub, day=day,
            claimed=two, base=two, credited=two, rule="amount", reason_key="jp.credited", reason_params={},
            created_at=NOW) for sub, e, day in made])


def document_of(out: list[Outgoing]) -> bytes:
    [doc] = [m.reply.document for m in out if m.reply.document is not None]
    return doc.content


async def main_async(args: argparse.Namespace, url: str) -> None:
    print(machine())
    db = Database(url)
    t0 = time.perf_counter()
    await seed(db)
    print(f"seeded {STAFF + 2} people and {STAFF * len(DIALOGS)} confirmed dialogs in "
          f"{time.perf_counter() - t0:.1f} s")
    bina = Bina(db, load_specs(programs=list(DEFAULT_PROGRAMS)), fixed_clock, catalogs=Catalogs())
    staff, pic = Caller(bina, STAFF_TG), Caller(bina, PIC_TG)
    print(f"RSS after seeding {rss_mb():.0f} MB")
    one = ChoicePicked(pack(GetDocument("b", "kemenkes_tetap", "2026-Q3")))
    bundle = ChoicePicked(pack(UnitBundle("2026-Q3")))

    # Warm-up: fonts, templates, the first connection.
    first = document_of(await staff.handle(one))
    async with db.transaction() as s:
        person = await repo.person_by_telegram(s, STAFF_TG)
        assert person is not None
        facts = (await proofs(s, bina.specs, [person], 2026, [3]))[0].facts
    assert isinstance(facts, ProofFacts)
    floor_html = "<p>Bukti Keterangan</p>"
    HTML(string=floor_html).write_pdf()

    one_ms: list[float] = []
    render_ms: list[float] = []
    floor_ms: list[float] = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        pdf = document_of(await staff.handle(one))
        one_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        proof_pdf(facts, "ABCDEFGHJKMN", None)
        render_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        HTML(string=floor_html).write_pdf()
        floor_ms.append((time.perf_counter() - t0) * 1000)
    problems = []
    text = text_of(pdf)
    if "berjumlah 6 JP pada periode penilaian 01 Juli s/d 30 September tahun 2026" not in text \
            or nip(FIRST_STAFF) not in text or first != pdf:
        problems.append("the PDF does not state what the database holds (or changed between runs)")

    print(f"RSS after the single documents {rss_mb():.0f} MB, peak {peak_rss_mb():.0f} MB")
    zip_s: list[float] = []
    handle_s: list[float] = []
    for _ in range(args.zip_runs):
        t0 = time.perf_counter()
        [out] = await pic.handle(bundle)
        handle_s.append(time.perf_counter() - t0)
        assert out.job is not None

        async def show(done: int) -> None:
            pass

        content = await run_job(out.job, show)
        zip_s.append(time.perf_counter() - t0)
        print(f"RSS after a ZIP {rss_mb():.0f} MB, peak {peak_rss_mb():.0f} MB")
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        names = z.namelist()
        expected = {f"bukti-keterangan-tw3-2026-{nip(i)}.pdf" for i in STAFF_INDEXES}
        if set(names) != expected:
            problems.append(f"the ZIP holds {len(names)} files, not the {STAFF} expected")
        wrong = [n for n in names if n.split("-")[-1][:-4] not in text_of(z.read(n))]
        if wrong:
            problems.append(f"{len(wrong)} PDFs do not name their employee")
    await db.dispose()

    med = median(one_ms)
    print(f"{verdict(med <= TARGET_ONE_MS)}  one Bukti Keterangan, end to end: median {med:.0f} ms "
          f"(target <= {TARGET_ONE_MS:.0f} ms; the PDF rendered alone {median(render_ms):.0f} ms; "
          f"WeasyPrint's one-line page {median(floor_ms):.0f} ms; {len(pdf) // 1024} KB)")
    best = min(zip_s)
    print(f"{verdict(best <= TARGET_ZIP_S)}  ZIP of {STAFF} for the PIC: {best:.1f} s "
          f"(target <= {TARGET_ZIP_S:.0f} s; runs {', '.join(f'{z:.1f}' for z in zip_s)} s; "
          f"the update itself {median(handle_s):.2f} s; {len(content) // 1024} KB, "
          f"{1000 * best / STAFF:.0f} ms a document)")
    peak = peak_rss_mb()
    print(f"{verdict(peak <= TARGET_MB)}  peak RSS {peak:.0f} MB (target <= {TARGET_MB:.0f} MB)")
    print(f"{verdict(not problems)}  documents state what the database holds ({len(problems)} problems)"
          + "".join(f"\n    {p}" for p in problems))


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--runs", type=int, default=15, help="timed runs of one document (default 15)")
    parser.add_argument("--zip-runs", type=int, default=2, help="timed ZIPs of the unit (default 2)")
    args = parser.parse_args()
    run_bench(args, lambda url, _: main_async(args, url))


if __name__ == "__main__":
    main()
