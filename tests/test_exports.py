"""/ekspor: the seed's status sheet of the caller's scope, read back with
openpyxl; each role its own scope, others refused; statuses only, never
answers (a marker planted in an answer is in no output). Through the real
dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from flows.callbacks import NotFilledPage, pack
from flows.program import Status
from flows.recap import Row, tally
from flows.spec import load_specs
from storage import repo
from storage.db import Database
from storage.models import Employee, Submission, Unit
from tests.conftest import Clock
from tests.org import PEOPLE, UNIT_UTAMA
from tests.test_bot import setup
from tests.tg import texts

MARKER = "RAHASIA-7Q4"
TETAP = load_specs().programs["kemenkes_tetap"]
STAGES = ["Perencanaan", "Checkpoint 1", "Checkpoint 2", "Checkpoint 3", "Evaluasi"]


async def plant(db: Database, now: datetime) -> None:
    """Ani: Rencana confirmed (an answer holds the marker), Check-in 1 waiting for Budi."""
    async with db.transaction() as s:
        ani = (await s.execute(select(Employee.id).where(Employee.nip == PEOPLE["ani"][0]))).scalar_one()

        def form(activity: str, form_id: str, status: Status) -> Submission:
            return Submission(employee_id=ani, program="kemenkes_tetap", activity=activity, year=2026,
                              occurrence=0, form_id=form_id, spec_version=3, answers={"rhk": MARKER},
                              cursor=0, status=status.value, late=False, submitted_at=now, created_at=now,
                              updated_at=now)

        s.add_all([form("rencana", "rencana_pengembangan", Status.CONFIRMED),
                   form("checkin1", "risalah_checkin", Status.SUBMITTED)])


def unzipped(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return "".join(z.read(name).decode() for name in z.namelist())


async def test_each_role_exports_its_own_scope(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await plant(db, clock())
    said = texts(await h.say(tg["sari"], "/ekspor"))
    assert "Coaching & Mentoring Tetap — unit kerja Bagian Umum, tahun 2026: 5 pegawai" in said
    [doc] = h.session.documents(tg["sari"])
    assert doc.filename == "rekap-kemenkes_tetap-unit-kerja-bagian-umum-2026-11-23.xlsx"
    book = load_workbook(io.BytesIO(doc.data))
    assert book.sheetnames == ["Status Pengisian", "Ringkasan", "JPL"]
    sheet = book["Status Pengisian"]
    assert sheet["A1"].value == "Lembar Rekapitulasi Status Pengisian"
    assert [c.value for c in sheet[4]] == ["No", "NIP", "Nama", "Jabatan", "Unit Kerja", *STAGES]
    assert sheet["F3"].value == "Status Coaching" and "F3:J3" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "A5" and sheet.auto_filter.ref == "A4:J9"
    assert sheet.print_title_rows == "$4:$4" and sheet.page_setup.orientation == "landscape"
    people = {r[2]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert len(people) == 5 and all(r[4] == "Bagian Umum" for r in people.values())
    ani = next(r for name, r in people.items() if name.startswith("Ani"))
    assert ani[1] == PEOPLE["ani"][0]
    assert ani[5:] == ("selesai", "menunggu konfirmasi", "belum mengisi", "belum mengisi", "belum mengisi")
    summary = book["Ringkasan"]
    assert [c.value for c in summary[4]][:4] == ["Unit Kerja", "Jumlah Pegawai", "Perencanaan", "%"]
    assert [c.value for c in summary[5]][:4] == ["Bagian Umum", 5, 1, 0.2]
    assert summary["A6"].value == "Jumlah" and summary["D5"].number_format == "0.0%"
    assert MARKER not in unzipped(doc.data)

    # The koordinator's unit utama (its 8 people in four units), the pembina's whole instansi.
    await h.say(tg["koor"], "/ekspor")
    koor = load_workbook(io.BytesIO(h.session.documents(tg["koor"])[0].data))
    assert koor["Status Pengisian"].max_row == 4 + 8
    assert {r[4] for r in koor["Status Pengisian"].iter_rows(min_row=5, values_only=True)} == \
        {"Bagian Umum", "Bagian Keuangan", "Biro Umum", "Biro SDM"}
    assert [r[0] for r in koor["Ringkasan"].iter_rows(min_row=5, values_only=True)] == \
        ["Bagian Keuangan", "Bagian Umum", "Biro SDM", "Biro Umum", "Jumlah"]
    await h.say(tg["kepala"], "/ekspor csv")
    [pembina] = h.session.documents(tg["kepala"])
    assert pembina.filename.endswith(".csv") and pembina.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(pembina.data.decode("utf-8-sig"))))
    assert rows[0] == ["No", "NIP", "Nama", "Jabatan", "Unit Kerja", *STAGES] and len(rows) == 1 + len(PEOPLE)
    assert MARKER not in pembina.data.decode("utf-8-sig")

    for who in ("ani", "budi"):  # a coachee; a coach
        out = await h.say(tg[who], "/ekspor")
        assert "hanya untuk PIC" in texts(out) and not h.session.documents(tg[who])
    async with db.transaction() as s:
        log = await repo.audit.since(s, datetime(2026, 1, 1, tzinfo=UTC))
    assert [(e.nip, e.action, e.scope_kind, e.scope_unit, e.detail) for e in log] == [
        (PEOPLE["sari"][0], "ekspor", "unit_kerja", "Bagian Umum", "kemenkes_tetap xlsx"),
        (PEOPLE["koor"][0], "ekspor", "unit_utama", UNIT_UTAMA, "kemenkes_tetap xlsx"),
        (PEOPLE["kepala"][0], "ekspor", "instansi", None, "kemenkes_tetap csv")]


async def test_a_program_is_named_and_its_own_stages_are_the_columns(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await h.say(tg["sari"], "/ekspor profesi")
    book = load_workbook(io.BytesIO(h.session.documents(tg["sari"])[0].data))
    header = [c.value for c in book["Status Pengisian"][4]]
    assert header[5:] == ["Sesi Perencanaan", "Sesi Pelaksanaan", "Sesi Evaluasi"]  # the Profesi sessions
    assert book["Status Pengisian"].max_row == 4  # nobody enrolled yet
    assert "tidak dikenal" in texts(await h.say(tg["sari"], "/ekspor triwulan9"))


def test_whole_cycle_share_as_in_the_seed() -> None:
    """K:1898-1902: of 4 employees, 1 completed all 5 Tetap stages: 25 %."""
    everything = {a.id: Status.CONFIRMED for a in TETAP.activities}
    rows = [Row(1, "1", "A", "", "U", None, everything),
            Row(2, "2", "B", "", "U", None, {**everything, "evaluasi_coach": Status.SUBMITTED}),
            Row(3, "3", "C", "", "U", None, {"rencana": Status.CONFIRMED}),
            Row(4, "4", "D", "", "U", None)]
    [unit], total = tally(TETAP, rows)
    assert (total.total, total.whole_cycle, total.share(total.whole_cycle)) == (4, 1, 0.25)
    assert unit.done["rencana"] == 3 and unit.done["evaluasi"] == 1  # B's Evaluasi waits for the coach's part


async def test_recap_counts_each_unit_as_text_and_chart(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await plant(db, clock())
    pic = texts(await h.say(tg["sari"], "/rekap Checkpoint 1"))
    assert "Rekap tahap Checkpoint 1 — Coaching & Mentoring Tetap, unit kerja Bagian Umum, tahun 2026" in pic
    assert ("Bagian Umum: selesai 0 dari 5 (0%) · menunggu konfirmasi 1 · draf 0 · belum mengisi 4" in pic)
    [chart] = h.session.photos(tg["sari"])
    assert chart.filename == "rekap-kemenkes_tetap-checkin1.png" and chart.data.startswith(b"\x89PNG")
    assert len(chart.data) > 5000
    koor = texts(await h.say(tg["koor"], "/rekap tetap perencanaan"))
    assert "Bagian Umum: selesai 1 dari 5 (20%)" in koor and "Biro SDM: selesai 0 dari 1" in koor
    assert "Jumlah: selesai 1 dari 8 (12%)" in koor
    pembina = texts(await h.say(tg["kepala"], "/rekap"))  # today's stage, per unit utama
    assert f"{UNIT_UTAMA}: selesai 0 dari 8" in pembina and "Bagian Umum" not in pembina
    assert "tidak dikenal" in texts(await h.say(tg["sari"], "/rekap triwulan9"))
    for who in ("ani", "budi"):
        out = await h.say(tg[who], "/rekap")
        assert "hanya untuk PIC" in texts(out) and not h.session.photos(tg[who])
    assert MARKER not in pic + koor + pembina


async def test_units_open_from_the_counts_and_lists_go_to_their_pics(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await plant(db, clock())
    await h.say(tg["koor"], "/belum_isi rencana")
    assert set(h.buttons(tg["koor"])) >= {"Bagian Umum (4)", "Bagian Keuangan (1)", "📨 Kirim ke PIC"}
    listed = texts(await h.press(tg["koor"], h.button(tg["koor"], "Bagian Umum (4)")))
    assert "unit kerja Bagian Umum" in listed and "4 dari 5 pegawai belum selesai" in listed
    assert "Ani" not in listed and "Dedi" in listed
    # Another unit's list, asked for by a PIC with a button made by hand, is refused on the server.
    async with db.transaction() as s:
        keuangan = (await s.execute(select(Unit.id).where(Unit.name == "Bagian Keuangan"))).scalar_one()
    assert "hanya untuk PIC" in texts(await h.press(tg["sari"], pack(NotFilledPage("rencana", 0, keuangan))))
    assert "hanya untuk PIC" in texts(await h.press(tg["koor"], pack(NotFilledPage("rencana", 0, 99999))))
    await h.say(tg["koor"], "/belum_isi rencana")
    send = h.button(tg["koor"], "Kirim ke PIC")
    said = texts(await h.press(tg["koor"], send))
    assert "dikirim kepada 1 PIC di 1 unit kerja (1 baru" in said
    assert "Unit kerja tanpa PIC (3): Bagian Keuangan, Biro SDM, Biro Umum." in said
    sari = texts([m for m in h.session.sent() if m.chat_id == tg["sari"]])
    assert "📋 Dari Koor Test: pegawai unit kerja Bagian Umum yang belum menyelesaikan tahap Perencanaan" \
        in sari
    assert "Dedi" in sari and "Ani" not in sari and "Lihat yang belum isi" in h.buttons(tg["sari"])
    again = texts(await h.press(tg["koor"], send))  # pressed twice: sent once
    assert "(0 baru" in again
    assert len([m for m in h.session.sent() if m.chat_id == tg["sari"] and "📋" in m.text]) == 1
    assert "hanya untuk PIC" in texts(await h.press(tg["sari"], send))  # a PIC may not send to PICs


async def test_jpl_completion_rate_and_jp_per_unit_ranked_for_the_pembina(db: Database, clock: Clock) -> None:
    from decimal import Decimal

    from flows.jp import LedgerLine
    from flows.messages import Msg

    h, tg = await setup(db, clock)
    now = clock()
    async with db.transaction() as s:
        ani = (await s.execute(select(Employee.id).where(Employee.nip == PEOPLE["ani"][0]))).scalar_one()
        s.add_all(Submission(employee_id=ani, program="kemenkes_tetap", activity=a.id, year=2026,
                             occurrence=0, form_id=a.form, spec_version=3, answers={}, cursor=0,
                             status="confirmed", late=False, created_at=now, updated_at=now)
                  for a in TETAP.activities)
    async with db.transaction() as s:
        for a in TETAP.stages:  # 2 JP a confirmed dialog, 10 in all
            await repo.add_line(s, ani, None, LedgerLine("kemenkes_tetap", a.id, now.date(), Decimal(2),
                                                         Decimal(2), Decimal(2), "amount", Msg("x")), now)
    pic = texts(await h.say(tg["sari"], "/jpl"))
    assert "Bagian Umum: Persentase Pengisian 20% (1 dari 5) · JP rata-rata 2 · mencapai 20 JP: 0" in pic
    assert "Jumlah" not in pic  # one unit: its line is the total
    pembina = texts(await h.say(tg["kepala"], "/jpl 2026"))
    assert f"1. {UNIT_UTAMA}: Persentase Pengisian 12% (1 dari 8) · JP rata-rata 1,2" in pembina
    assert "lembar JPL" in pembina
    assert "Persentase Pengisian 0% (0 dari 8)" in texts(await h.say(tg["koor"], "/jpl 2025"))
    assert "/jpl 2026" in texts(await h.say(tg["sari"], "/jpl tahun lalu"))
    assert "hanya untuk PIC" in texts(await h.say(tg["ani"], "/jpl"))


async def test_belum_isi_for_a_program_some_take_part_in(db: Database, clock: Clock) -> None:
    """Profesi lists only those enrolled; the stage buttons stay in Profesi, and
    the other programs are a button away."""
    from storage.models import Enrolment

    h, tg = await setup(db, clock)
    now = clock()
    async with db.transaction() as s:
        ids = dict((await s.execute(select(Employee.nip, Employee.id))).all())
        s.add(Enrolment(employee_id=ids[PEOPLE["dedi"][0]], program="kemenkes_profesi", cycle=2026,
                        coach_id=ids[PEOPLE["koor"][0]], status="active", created_at=now, updated_at=now))
    out = texts(await h.say(tg["sari"], "/belum_isi profesi"))
    assert "Coaching & Mentoring Profesi: pegawai yang belum menyelesaikan tahap Sesi Perencanaan" in out
    assert "1 dari 1 pegawai belum selesai" in out and "Dedi" in out and "Ani" not in out
    nxt = texts(await h.press(tg["sari"], h.button(tg["sari"], "Sesi Pelaksanaan")))
    assert "tahap Sesi Pelaksanaan" in nxt and "1 dari 1" in nxt
    back = texts(await h.press(tg["sari"], h.button(tg["sari"], "Tetap")))
    assert "Coaching & Mentoring Tetap: pegawai" in back and "5 dari 5" in back
    koor = texts(await h.say(tg["koor"], "/belum_isi profesi"))
    assert "sudah selesai 0 dari 1 pegawai" in koor and "Bagian Umum: sudah 0 dari 1, belum 1" in koor


async def test_the_pembina_gets_the_audit_log_as_a_file(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await h.say(tg["sari"], "/ekspor csv")
    await h.say(tg["koor"], "/rekap")
    said = texts(await h.say(tg["kepala"], "/audit"))
    assert "Log audit sejak 24/10/2026: 2 tindakan admin" in said
    [log] = h.session.documents(tg["kepala"])
    rows = list(csv.reader(io.StringIO(log.data.decode("utf-8-sig"))))
    assert rows[0] == ["Waktu", "NIP", "Nama", "Tindakan", "Cakupan", "Rincian"]
    assert [r[1:4] for r in rows[1:]] == [[PEOPLE["sari"][0], "Sari Test", "ekspor"],
                                          [PEOPLE["koor"][0], "Koor Test", "rekap"]]
    assert rows[1][0] == "2026-11-23 10:00" and rows[1][4] == "unit_kerja Bagian Umum"
    for who in ("sari", "koor", "ani"):  # only the pembina
        assert "hanya untuk pembina" in texts(await h.say(tg[who], "/audit"))
    assert "/audit 2026-11-16" in texts(await h.say(tg["kepala"], "/audit kemarin"))


async def test_the_koordinator_reports_the_quarter_and_the_pembina_verifies(db: Database,
                                                                            clock: Clock) -> None:
    from flows.callbacks import SendRecap

    h, tg = await setup(db, clock)
    await plant(db, clock())
    await h.say(tg["koor"], "/rekap rencana")
    send = h.button(tg["koor"], "Kirim ke pembina")
    assert "Rekap triwulan IV 2026 dikirim ke pembina (penerima: 1)" in texts(await h.press(tg["koor"], send))
    assert "sudah dikirim" in texts(await h.press(tg["koor"], send))  # once a quarter
    notice = texts([m for m in h.session.sent() if m.chat_id == tg["kepala"]])
    assert "Koor Test mengirim rekap tahap Perencanaan unit utama Sekretariat Jenderal, triwulan IV 2026" \
        in notice
    assert "🏢 Bagian Umum: selesai 1 dari 5 (20%)" in notice
    listed = texts(await h.say(tg["kepala"], "/laporan"))
    assert "dikirim Koor Test" in listed and "belum diverifikasi" in listed
    verify = h.button(tg["kepala"], "Verifikasi")
    for who in ("koor", "sari"):  # only the pembina verifies
        assert "hanya untuk pembina" in texts(await h.press(tg[who], verify))
    assert "ditandai terverifikasi" in texts(await h.press(tg["kepala"], verify))
    assert "sudah diverifikasi oleh Kepala Test" in texts(await h.press(tg["kepala"], verify))
    assert "terverifikasi oleh Kepala Test" in texts(await h.say(tg["kepala"], "/laporan"))
    # A PIC or the pembina cannot send a koordinator's report; the PIC's /rekap has no such button.
    forged = pack(SendRecap("kemenkes_tetap", "rencana"))
    assert "oleh koordinator" in texts(await h.press(tg["sari"], forged))
    await h.say(tg["sari"], "/rekap")
    assert "📤 Kirim ke pembina" not in h.buttons(tg["sari"])


# --- ratings and certificates ------------------------------------------------------

# The coach's three ratings of each coachee at the Evaluasi (kinerja, kompetensi, berakhlak).
RATED = {"ani": (5, 4, 3), "dedi": (4, 4, 5), "eka": (2, 3, 5), "fajar": (2, 4, 5)}


async def rate(db: Database, now: datetime, *names: str) -> None:
    """The coach's evaluation of each one named, confirmed, its free text holding the marker."""
    async with db.transaction() as s:
        ids = dict((await s.execute(select(Employee.nip, Employee.id))).all())
        s.add_all(Submission(
            employee_id=ids[PEOPLE[n][0]], program="kemenkes_tetap", activity="evaluasi_coach", year=2026,
            occurrence=0, form_id="evaluasi_coach", spec_version=1, cursor=0, status="confirmed", late=False,
            answers={"nilai_kinerja": str(RATED[n][0]), "nilai_kompetensi": str(RATED[n][1]),
                     "nilai_berakhlak": str(RATED[n][2]), "catatan_penilaian": MARKER, "tanggapan": MARKER,
                     "masukan_tahun_depan": MARKER},
            submitted_at=now, decided_at=now, created_at=now, updated_at=now) for n in names)


def averages(*names: str) -> str:
    """The expected line, from the values inserted: half up to one decimal, as Indonesian writes it."""
    from decimal import ROUND_HALF_UP, Decimal

    def mean(i: int) -> str:
        value = Decimal(sum(RATED[n][i] for n in names)) / len(names)
        return str(value.quantize(Decimal("0.1"), ROUND_HALF_UP)).replace(".", ",")

    return (f"⭐ Rata-rata penilaian Evaluasi oleh Coach/Mentor (n={len(names)}): "
            f"Kinerja {mean(0)} · Kompetensi {mean(1)} · BerAKHLAK {mean(2)}")


async def test_rating_averages_only_over_three_respondents(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await rate(db, clock(), "ani", "dedi")
    two = texts(await h.say(tg["sari"], "/rekap evaluasi"))
    assert ("⭐ Rata-rata penilaian Evaluasi oleh Coach/Mentor: tidak ditampilkan, kurang dari 3 penilaian"
            in two)
    assert "Kinerja" not in two and "n=2" not in two

    await rate(db, clock(), "eka")
    three = texts(await h.say(tg["sari"], "/rekap evaluasi"))
    assert averages("ani", "dedi", "eka") in three
    assert "Kinerja 3,7 · Kompetensi 3,7 · BerAKHLAK 4,3" in three  # 11/3, 11/3, 13/3

    # The koordinator: Bagian Keuangan's one rating shows nowhere, not even as the total less
    # Bagian Umum's, so the total is withheld; the pembina's one unit utama has four.
    await rate(db, clock(), "fajar")
    koor = texts(await h.say(tg["koor"], "/rekap evaluasi"))
    lines = koor.splitlines()
    assert lines[lines.index(next(x for x in lines if "🏢 Bagian Umum:" in x)) + 1] == \
        averages("ani", "dedi", "eka")
    after_keuangan = lines[lines.index(next(x for x in lines if "🏢 Bagian Keuangan:" in x)) + 1]
    assert "kurang dari 3 penilaian" in after_keuangan
    assert "tidak ditampilkan untuk jumlah ini" in koor and "(n=4)" not in koor
    assert "🏢 Biro SDM: selesai 0 dari 1" in koor  # a unit without ratings says too few as well
    pembina = texts(await h.say(tg["kepala"], "/rekap evaluasi"))
    assert averages("ani", "dedi", "eka", "fajar") in pembina
    assert "Kinerja 3,3 · Kompetensi 3,8 · BerAKHLAK 4,5" in pembina  # 13/4 rounds half up
    # Stages without ratings have no such line.
    assert "Rata-rata" not in texts(await h.say(tg["kepala"], "/rekap rencana"))
    assert MARKER not in two + three + koor + pembina


def test_ratings_come_from_the_stage_forms_scale_fields() -> None:
    from flows.ratings import stage_ratings

    specs = load_specs()
    evaluasi = stage_ratings(specs.forms, TETAP, TETAP.activity("evaluasi"))
    assert [(r.activity, r.field, r.label, r.values) for r in evaluasi] == [
        ("evaluasi_coach", "nilai_kinerja", "evaluasi_coach.nilai_kinerja.short", (1, 2, 3, 4, 5)),
        ("evaluasi_coach", "nilai_kompetensi", "evaluasi_coach.nilai_kompetensi.short", (1, 2, 3, 4, 5)),
        ("evaluasi_coach", "nilai_berakhlak", "evaluasi_coach.nilai_berakhlak.short", (1, 2, 3, 4, 5))]
    assert [r.field for r in stage_ratings(specs.forms, TETAP, TETAP.activity("checkin2"))] == \
        ["berakhlak_konsistensi"]
    assert stage_ratings(specs.forms, TETAP, TETAP.activity("rencana")) == []
    profesi = specs.programs["kemenkes_profesi"]
    assert all(stage_ratings(specs.forms, profesi, s) == [] for s in profesi.stages)


def test_a_total_is_withheld_when_it_would_give_a_small_unit_away() -> None:
    from decimal import Decimal

    from flows.ratings import Rating, Sums, rating_lines

    r = Rating("evaluasi_coach", "nilai_kinerja", "k", (1, 2, 3, 4, 5))

    def of(forms: int, total: int) -> Sums:
        return Sums(forms, {r.field: forms}, {r.field: total})

    units, [total] = rating_lines([r], ["A", "B"], {("A", r.activity): of(5, 20),
                                                    ("B", r.activity): of(1, 5)})
    assert [a.averages[0][1] for a in (*units["A"], *units["B"])] == [Decimal("4.0"), None]
    assert total.withheld and not total.shown and total.respondents == 6
    # Units that hide theirs together hold three: the total shows, the units do not.
    units, [total] = rating_lines([r], ["A", "B"], {("A", r.activity): of(2, 9), ("B", r.activity): of(1, 1)})
    assert not any(a.shown for a in (*units["A"], *units["B"]))
    assert total.averages[0][1] == Decimal("3.3") and not total.withheld
    # Nobody has answered yet: no line at all.
    assert rating_lines([r], ["A"], {}) == ({"A": []}, [])


async def test_jpl_counts_profesi_completions_and_certificates_per_quarter(db: Database,
                                                                          clock: Clock) -> None:
    """K:1582: per quarter, who completed Profesi (dated by the Evaluasi, or when it was confirmed
    for one without a day) and who got the certificate (once, however many versions)."""
    from datetime import date

    from storage.models import Enrolment, IssuedDocument

    h, tg = await setup(db, clock)
    now = clock()
    async with db.transaction() as s:
        ids = {name: (await s.execute(select(Employee.id).where(Employee.nip == p[0]))).scalar_one()
               for name, p in PEOPLE.items()}

        def enrol(name: str, status: str, sesi3: str, day: date | None, decided: datetime) -> None:
            s.add(Enrolment(employee_id=ids[name], program="kemenkes_profesi", cycle=2026,
                            coach_id=ids["koor"], status=status, created_at=now, updated_at=now))
            s.add(Submission(employee_id=ids[name], program="kemenkes_profesi", activity="sesi3", year=2026,
                             occurrence=0, form_id="profesi_evaluasi", spec_version=1,
                             answers={"goal": MARKER}, cursor=0, status=sesi3, late=False, day=day,
                             submitted_at=decided, decided_at=decided, created_at=now, updated_at=now))

        def certificate(name: str, kind: str, version: int, at: datetime) -> None:
            s.add(IssuedDocument(code=f"C{name[:3].upper()}{kind[12:15].upper()}{version}", kind=kind,
                                 employee_id=ids[name], program="kemenkes_profesi", period=f"e{ids[name]}",
                                 version=version, facts={}, issued_at=at))

        enrol("ani", "completed", "confirmed", date(2026, 2, 10), datetime(2026, 2, 11, 3, tzinfo=UTC))
        enrol("dedi", "completed", "confirmed", date(2026, 5, 5), datetime(2026, 5, 5, 3, tzinfo=UTC))
        enrol("eka", "active", "submitted", date(2026, 5, 6), datetime(2026, 5, 6, 3, tzinfo=UTC))  # not yet
        # No activity day: the day it was confirmed, 1 July in WIB.
        enrol("fajar", "completed", "confirmed", None, datetime(2026, 6, 30, 20, tzinfo=UTC))
        # Ani's certificate first came on 1 April in WIB (31 March in UTC), then a second version.
        certificate("ani", "certificate_coachee", 1, datetime(2026, 3, 31, 18, tzinfo=UTC))
        certificate("ani", "certificate_coachee", 2, datetime(2026, 5, 1, 3, tzinfo=UTC))
        certificate("dedi", "certificate_coachee", 1, datetime(2026, 5, 6, 3, tzinfo=UTC))
        certificate("koor", "certificate_coach", 1, datetime(2026, 5, 6, 3, tzinfo=UTC))  # the coach's own

    pic = texts(await h.say(tg["sari"], "/jpl"))
    assert "📜 Pegawai yang telah melaksanakan program dan mendapatkan sertifikat, per triwulan tahun 2026:" \
        in pic
    assert ("Coaching & Mentoring Profesi — TW I: 1 selesai, 0 bersertifikat · TW II: 1 selesai, "
            "2 bersertifikat · TW III: 0 selesai, 0 bersertifikat · TW IV: 0 selesai, 0 bersertifikat") in pic
    assert "Coaching & Mentoring untuk Talenta — TW I: 0 selesai, 0 bersertifikat ·" in pic
    koor = texts(await h.say(tg["koor"], "/jpl"))
    assert "Profesi — TW I: 1 selesai, 0 bersertifikat · TW II: 1 selesai, 2 bersertifikat · " \
           "TW III: 1 selesai, 0 bersertifikat" in koor  # Fajar, in Bagian Keuangan
    pembina = texts(await h.say(tg["kepala"], "/jpl"))
    assert "TW III: 1 selesai, 0 bersertifikat" in pembina
    last_year = texts(await h.say(tg["kepala"], "/jpl 2025"))
    assert "Profesi — TW I: 0 selesai, 0 bersertifikat · TW II: 0 selesai, 0 bersertifikat · " \
           "TW III: 0 selesai, 0 bersertifikat · TW IV: 0 selesai, 0 bersertifikat" in last_year
    assert MARKER not in pic + koor + pembina
