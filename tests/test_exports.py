"""/ekspor: the seed's status sheet of the caller's scope, read back with
openpyxl; each role its own scope, others refused; statuses only, never
answers (a marker planted in an answer is in no output). Through the real
dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

from aiogram.methods import SendPhoto
from openpyxl import load_workbook
from sqlalchemy import select, update

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
UNIT_BUTTONS = {"🔎 Bagian Keuangan", "🔎 Bagian Umum", "🔎 Biro SDM", "🔎 Biro Umum"}  # the unit kerja's


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
    assert [c.value for c in sheet[4]] == ["No", "NIP", "Nama", "Jabatan", "Unit Kerja", *STAGES,
                                           "JP tahun ini"]
    assert sheet["F3"].value == "Status Coaching" and "F3:J3" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "A5" and sheet.auto_filter.ref == "A4:K9"
    assert sheet.print_title_rows == "$4:$4" and sheet.page_setup.orientation == "landscape"
    people = {r[2]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert len(people) == 5 and all(r[4] == "Bagian Umum" for r in people.values())
    ani = next(r for name, r in people.items() if name.startswith("Ani"))
    assert ani[1] == PEOPLE["ani"][0]
    assert ani[5:] == ("selesai", "menunggu konfirmasi", "belum mengisi", "belum mengisi", "belum mengisi", 0)
    summary = book["Ringkasan"]
    assert [c.value for c in summary[4]][:4] == ["Unit Kerja", "Jumlah Pegawai", "Perencanaan", "%"]
    assert [c.value for c in summary[5]][:4] == ["Bagian Umum", 5, 1, 0.2]
    assert summary["A6"].value == "Jumlah" and summary["D5"].number_format == "0.0%"
    assert MARKER not in unzipped(doc.data)

    # The koordinator's unit utama (its 8 people in four units), the pembina's whole instansi. A roster
    # field that looks like a formula stays text: opening the sheet runs nothing.
    formula = '=HYPERLINK("http://example.invalid","klik")'
    async with db.transaction() as s:
        await s.execute(update(Employee).where(Employee.nip == PEOPLE["fajar"][0]).values(jabatan=formula))
    await h.say(tg["koor"], "/ekspor")
    koor = load_workbook(io.BytesIO(h.session.documents(tg["koor"])[0].data))
    [fajar] = [r for r in koor["Status Pengisian"].iter_rows(min_row=5) if r[1].value == PEOPLE["fajar"][0]]
    assert fajar[3].value == formula and fajar[3].data_type == "s"
    assert koor["Status Pengisian"].max_row == 4 + 8
    assert {r[4] for r in koor["Status Pengisian"].iter_rows(min_row=5, values_only=True)} == \
        {"Bagian Umum", "Bagian Keuangan", "Biro Umum", "Biro SDM"}
    assert [r[0] for r in koor["Ringkasan"].iter_rows(min_row=5, values_only=True)] == \
        ["Bagian Keuangan", "Bagian Umum", "Biro SDM", "Biro Umum", "Jumlah"]
    assert "ringkasan per unit kerja dan lembar JPL ada di berkas XLSX" in texts(await h.say(tg["kepala"],
                                                                                        "/ekspor csv"))
    [pembina] = h.session.documents(tg["kepala"])
    assert pembina.filename.endswith(".csv") and pembina.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(pembina.data.decode("utf-8-sig"))))
    assert rows[0] == ["No", "NIP", "Nama", "Jabatan", "Unit Kerja", *STAGES, "JP tahun ini"]
    assert len(rows) == 1 + len(PEOPLE)
    assert MARKER not in pembina.data.decode("utf-8-sig")
    assert [r[3] for r in rows if r[1] == PEOPLE["fajar"][0]] == ["'" + formula]  # opened as text

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
    assert header[5:-1] == ["Sesi Perencanaan", "Sesi Pelaksanaan", "Sesi Evaluasi"]  # the Profesi sessions
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
    # The same figures in the export: each person's JP beside their statuses, /jpl's table as the JPL sheet.
    await h.say(tg["kepala"], "/ekspor")
    book = load_workbook(io.BytesIO(h.session.documents(tg["kepala"])[0].data))
    jp = {r[1]: r[-1] for r in book["Status Pengisian"].iter_rows(min_row=5, values_only=True)}
    assert jp[PEOPLE["ani"][0]] == 10 and sum(jp.values()) == 10
    jpl = book["JPL"]
    assert [c.value for c in jpl[4]] == ["Peringkat", "Unit Utama", "Jumlah Pegawai", "Selesai seluruh tahap",
                                         "Persentase Pengisian", "JP rata-rata", "Mencapai 20 JP"]
    assert [c.value for c in jpl[5]] == [1, UNIT_UTAMA, 8, 1, 0.125, 1.2, 0]
    assert jpl["A6"].value is None and jpl["B6"].value == "Jumlah" and jpl["E5"].number_format == "0.0%"
    await h.say(tg["sari"], "/ekspor")
    unit = load_workbook(io.BytesIO(h.session.documents(tg["sari"])[0].data))["JPL"]
    assert [c.value for c in unit[4]][:2] == ["No", "Unit Kerja"]
    assert [c.value for c in unit[5]] == [1, "Bagian Umum", 5, 1, 0.2, 2, 0]
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
    assert rows[0] == ["Waktu (WIB)", "NIP", "Nama", "Tindakan", "Cakupan", "Rincian"]
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
    told = [m.text for m in h.session.sent() if m.chat_id == tg["koor"] and "telah diverifikasi" in m.text]
    assert told == ["✅ Rekap tahap Perencanaan unit utama Sekretariat Jenderal, triwulan IV 2026, yang Anda "
                    "kirim telah diverifikasi oleh Kepala Test."]  # once, however often it is pressed
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
    # The recap sent to the pembina carries the same averages under the same rule.
    await h.press(tg["koor"], h.button(tg["koor"], "Kirim ke pembina"))
    [sent] = [m.text or "" for m in h.session.sent()
              if m.chat_id == tg["kepala"] and "mengirim rekap" in (m.text or "")]
    notice = sent.splitlines()
    assert notice[notice.index(next(x for x in notice if "🏢 Bagian Umum:" in x)) + 1] == \
        averages("ani", "dedi", "eka")
    assert "tidak ditampilkan untuk jumlah ini" in sent and "(n=4)" not in sent and MARKER not in sent
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

async def unit_ids(db: Database) -> dict[str, int]:
    async with db.transaction() as s:
        return dict((await s.execute(select(Unit.name, Unit.id))).all())


async def plant_2025(db: Database, now: datetime) -> None:
    """The 2025 cycle: Fajar (Bagian Keuangan) completed the Rencana, Eka (Bagian Umum) has a draft."""
    async with db.transaction() as s:
        ids = dict((await s.execute(select(Employee.nip, Employee.id))).all())
        s.add_all(Submission(employee_id=ids[PEOPLE[who][0]], program="kemenkes_tetap", activity="rencana",
                             year=2025, occurrence=0, form_id="rencana_pengembangan", spec_version=3,
                             answers={}, cursor=0, status=status.value, late=False, created_at=now,
                             updated_at=now)
                  for who, status in (("fajar", Status.CONFIRMED), ("eka", Status.DRAFT)))


def test_recap_words_name_a_stage_a_unit_and_a_year_in_any_order() -> None:
    from flows.access import Scope, covers
    from flows.recap import named_units, readings, year_and_rest

    assert year_and_rest(["2025", "biro", "sdm"], 2026) == (2025, ["biro", "sdm"])
    assert year_and_rest(["rencana"], 2026) == (2026, ["rencana"])
    assert year_and_rest(["1999"], 2026) is None and year_and_rest(["2027"], 2026) is None
    assert year_and_rest(["2024", "2025"], 2026) is None
    assert readings(["checkpoint", "1", "biro", "sdm"])[:4] == [
        ("checkpoint 1 biro", "sdm"), ("1 biro sdm", "checkpoint"), ("checkpoint 1", "biro sdm"),
        ("biro sdm", "checkpoint 1")]
    assert readings(["biro", "sdm"])[-1] == ("", "biro sdm") and readings([]) == [("", "")]
    names = {1: ("Sekretariat Jenderal",), 2: ("Biro Umum", "Biro Umum Sekretariat Jenderal"),
             3: ("Bagian Umum", "Bagian Umum Sekretariat Jenderal"), 4: ("Bagian Umum", "Bagian Umum Itjen")}
    assert named_units("BIRO umum", names) == [2]  # exact, in any case
    assert named_units("sekret", names) == [1]  # a beginning
    assert named_units("umum", names) == [2, 3, 4]  # a part, which several fit
    assert named_units("bagian umum", names) == [3, 4]
    assert named_units("bagian umum itjen", names) == [4]  # a shared name told apart by its unit utama's
    assert named_units("hukum", names) == [] and named_units("", names) == []
    koordinator, pic = Scope("unit_utama", 1), Scope("unit_kerja", 3)
    assert covers(koordinator, 1, None) and covers(koordinator, 3, 1) and not covers(koordinator, 4, 9)
    assert covers(pic, 3, 1) and not covers(pic, 2, 1) and not covers(pic, 1, None)
    assert covers(Scope("instansi", None), 4, 9)


async def test_the_koordinator_recaps_one_unit_kerja_and_a_past_year(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await plant(db, clock())
    await plant_2025(db, clock())
    said = texts(await h.say(tg["koor"], "/rekap rencana bagian umum"))
    assert "Rekap tahap Perencanaan — Coaching & Mentoring Tetap, unit kerja Bagian Umum, tahun 2026" in said
    assert "Bagian Umum: selesai 1 dari 5 (20%) · menunggu konfirmasi 0 · draf 0 · belum mengisi 4" in said
    assert "Biro SDM" not in said and "Jumlah" not in said  # one unit kerja: one line
    assert len(h.session.photos(tg["koor"])) == 1
    assert not h.buttons(tg["koor"])  # neither units to open nor the quarter's report
    # The same in another order, the stage last; the year names the cycle.
    past = texts(await h.say(tg["koor"], "/rekap tetap 2025 Bagian Umum perencanaan"))
    assert "unit kerja Bagian Umum, tahun 2025" in past
    assert "Bagian Umum: selesai 0 dari 5 (0%) · menunggu konfirmasi 0 · draf 1 · belum mengisi 4" in past
    whole = texts(await h.say(tg["koor"], "/rekap rencana 2025"))
    assert f"unit utama {UNIT_UTAMA}, tahun 2025" in whole
    assert "Bagian Keuangan: selesai 1 dari 1 (100%)" in whole and "Bagian Umum: selesai 0 dari 5" in whole
    assert "Jumlah: selesai 1 dari 8 (12%)" in whole
    # A unit's button opens it, of the same year; another year's recap cannot be sent as the quarter's.
    assert set(h.buttons(tg["koor"])) == UNIT_BUTTONS
    opened = texts(await h.press(tg["koor"], h.button(tg["koor"], "Bagian Keuangan")))
    assert "unit kerja Bagian Keuangan, tahun 2025" in opened
    assert "Bagian Keuangan: selesai 1 dari 1" in opened
    assert "Bagian Umum" not in opened
    await h.say(tg["koor"], "/rekap rencana")
    assert "📤 Kirim ke pembina" in h.buttons(tg["koor"]) and "🔎 Bagian Umum" in h.buttons(tg["koor"])
    this_year = texts(await h.press(tg["koor"], h.button(tg["koor"], "🔎 Bagian Umum")))
    assert "unit kerja Bagian Umum, tahun 2026" in this_year and "selesai 1 dari 5" in this_year
    for typed in ("/rekap rencana 1999", "/rekap rencana 2027", "/rekap 2024 2025"):
        assert "dari 2000 sampai 2026" in texts(await h.say(tg["koor"], typed)), typed
    async with db.transaction() as s:
        log = [(e.action, e.scope_kind, e.scope_unit, e.detail)
               for e in await repo.audit.since(s, datetime(2026, 1, 1, tzinfo=UTC))]
    assert log == [
        ("rekap", "unit_kerja", "Bagian Umum", "kemenkes_tetap rencana 2026 unit=Bagian Umum"),
        ("rekap", "unit_kerja", "Bagian Umum", "kemenkes_tetap rencana 2025 unit=Bagian Umum"),
        ("rekap", "unit_utama", UNIT_UTAMA, "kemenkes_tetap rencana 2025"),
        ("rekap", "unit_kerja", "Bagian Keuangan", "kemenkes_tetap rencana 2025 unit=Bagian Keuangan"),
        ("rekap", "unit_utama", UNIT_UTAMA, "kemenkes_tetap rencana 2026"),
        ("rekap", "unit_kerja", "Bagian Umum", "kemenkes_tetap rencana 2026 unit=Bagian Umum")]


async def test_a_unit_outside_the_scope_is_refused_and_an_unknown_one_lists_the_choices(
        db: Database, clock: Clock) -> None:
    from flows.callbacks import RecapUnit

    h, tg = await setup(db, clock)
    await plant(db, clock())
    for typed in ("/rekap Bagian Keuangan", "/rekap rencana sekretariat jenderal"):
        said = texts(await h.say(tg["sari"], typed))
        assert "tidak dapat Anda lihat: cakupan Anda unit kerja Bagian Umum. Unit yang dapat Anda pilih: " \
            "Bagian Umum." in said, typed
        assert "📊" not in said
    assert not h.session.photos(tg["sari"])
    # "umum" fits Bagian Umum and Biro Umum; only the first is the PIC's.
    assert "unit kerja Bagian Umum, tahun 2026" in texts(await h.say(tg["sari"], "/rekap rencana umum"))
    unknown = texts(await h.say(tg["koor"], "/rekap rencana biro hukum"))
    assert "Unit “biro hukum” tidak ditemukan. Unit yang dapat Anda pilih: Sekretariat Jenderal, Bagian " \
        "Keuangan, Bagian Umum, Biro SDM, Biro Umum." in unknown
    assert "“umum” cocok dengan beberapa unit: Bagian Umum, Biro Umum." in \
        texts(await h.say(tg["koor"], "/rekap checkpoint 1 umum"))
    unknown = texts(await h.say(tg["sari"], "/rekap triwulan9"))
    assert "“triwulan9” tidak dikenal sebagai tahap maupun unit" in unknown
    assert "Unit yang dapat Anda pilih: Bagian Umum. Contoh: /rekap Checkpoint 1 Bagian Umum 2025" in unknown

    # Buttons made by hand: the server checks the unit against the one who pressed.
    async with db.transaction() as s:
        s.add(Unit(name="Inspektorat Jenderal", parent_id=None))
    units = await unit_ids(db)
    keuangan = pack(RecapUnit("kemenkes_tetap", "rencana", units["Bagian Keuangan"], 2026))
    charts = len(h.session.calls)
    said = texts(await h.press(tg["sari"], keuangan))
    assert "Rekap Bagian Keuangan tidak dapat Anda lihat: cakupan Anda unit kerja Bagian Umum" in said
    itjen = pack(RecapUnit("kemenkes_tetap", "rencana", units["Inspektorat Jenderal"], 2026))
    assert f"cakupan Anda unit utama {UNIT_UTAMA}" in texts(await h.press(tg["koor"], itjen))
    assert not [c for c in h.session.calls[charts:] if isinstance(c, SendPhoto)]
    assert "hanya untuk PIC" in texts(await h.press(tg["ani"], keuangan))
    assert "tidak berlaku" in texts(await h.press(tg["koor"], pack(RecapUnit("kemenkes_tetap", "rencana",
                                                                              99999, 2026))))
    assert "tidak berlaku" in texts(await h.press(tg["koor"], pack(RecapUnit("kemenkes_tetap", "rencana",
                                                                              units["Biro SDM"], 2027))))
    assert "unit kerja Bagian Keuangan, tahun 2026" in texts(await h.press(tg["koor"], keuangan))
    assert "unit utama Inspektorat Jenderal" in texts(await h.press(tg["kepala"], itjen))  # the pembina: any


async def test_the_pembina_recaps_a_unit_utama_per_unit_kerja(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await plant(db, clock())
    whole = texts(await h.say(tg["kepala"], "/rekap rencana"))
    assert f"{UNIT_UTAMA}: selesai 1 dari 8 (12%)" in whole and "Bagian Umum" not in whole
    assert set(h.buttons(tg["kepala"])) == {f"🔎 {UNIT_UTAMA}"}  # no quarter's report: not a koordinator
    opened = texts(await h.press(tg["kepala"], h.button(tg["kepala"], UNIT_UTAMA)))
    assert f"Perencanaan — Coaching & Mentoring Tetap, unit utama {UNIT_UTAMA}, tahun 2026" in opened
    assert "Bagian Umum: selesai 1 dari 5 (20%)" in opened and "Biro SDM: selesai 0 dari 1" in opened
    assert "Jumlah: selesai 1 dari 8 (12%)" in opened
    assert set(h.buttons(tg["kepala"])) == UNIT_BUTTONS
    typed = texts(await h.say(tg["kepala"], "/rekap sekretariat jenderal Checkpoint 1"))
    assert f"Rekap tahap Checkpoint 1 — Coaching & Mentoring Tetap, unit utama {UNIT_UTAMA}" in typed
    assert "Bagian Umum: selesai 0 dari 5 (0%) · menunggu konfirmasi 1" in typed
    sdm = texts(await h.say(tg["kepala"], "/rekap 2026 biro sdm checkpoint 1"))
    assert "unit kerja Biro SDM, tahun 2026" in sdm and "Biro SDM: selesai 0 dari 1" in sdm
    assert len(h.session.photos(tg["kepala"])) == 4
