"""Bukti Keterangan and certificates: rendered to PDF and read back, their
verification codes, the PIC's ZIP with its count, and who may have which.
Through the real dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from flows.callbacks import GetDocument, UnitBundle, pack
from flows.documents import normalise_code, parse_quarter, quarter_span
from flows.program import Status
from flows.spec import SpecError, parse_spec
from storage.db import Database
from storage.models import AuditEntry, Employee, JpLine, Submission
from tests.conftest import Clock
from tests.org import PEOPLE
from tests.test_bot import fill_all, setup
from tests.test_profesi import answer_all, ask_koor
from tests.tg import Harness, message_update, texts

MARKER = "RAHASIA-DOK-51"


def pdf_text(content: bytes) -> str:
    """The PDF's text with its line breaks and spacing folded, as a person reads it."""
    assert content.startswith(b"%PDF-")
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


async def held(db: Database, name: str, activity: str, day: date, jp: str = "2") -> None:
    """A Tetap dialog held on `day`, confirmed, with its JP in the ledger
    (an answer holds the marker, which no document may show)."""
    now = datetime(2026, 11, 20, 3, tzinfo=UTC)
    async with db.transaction() as s:
        person = (await s.execute(select(Employee.id).where(Employee.nip == PEOPLE[name][0]))).scalar_one()
        form = Submission(employee_id=person, program="kemenkes_tetap", activity=activity, year=2026,
                          occurrence=0, form_id="risalah_checkin", spec_version=3,
                          answers={"rhk": MARKER}, cursor=0, status=Status.CONFIRMED.value, late=False,
                          day=day, submitted_at=now, decided_at=now, created_at=now, updated_at=now)
        s.add(form)
        await s.flush()
        s.add(JpLine(employee_id=person, program="kemenkes_tetap", activity=activity, submission_id=form.id,
                     day=day, claimed=Decimal(jp), base=Decimal(jp), credited=Decimal(jp), rule="amount",
                     reason_key="jp.credited", reason_params={}, created_at=now))


def code_in(said: str) -> str:
    code = normalise_code(said.rsplit("Kode verifikasi: ", 1)[1].split()[0])
    assert code is not None
    return code


async def test_bukti_keterangan_of_the_seeds_triwulan_iii(db: Database, clock: Clock) -> None:
    """Three dialogs in Triwulan III make the seed's 6 JP for 01 Juli s/d 30
    September; the document carries the seed's labels, the roster's people,
    the signer, and a code that verifies."""
    h, tg = await setup(db, clock)
    for activity, day in (("checkin2", date(2026, 7, 14)), ("checkin2b", date(2026, 8, 4)),
                          ("checkin2c", date(2026, 9, 30))):
        await held(db, "ani", activity, day)
    await held(db, "ani", "checkin3", date(2026, 10, 1))  # the next quarter's
    listing = texts(await h.say(tg["ani"], "/dokumen"))
    assert "Bukti Keterangan Triwulan III 2026: 6 JP (3 dialog)" in listing
    assert "Bukti Keterangan Triwulan IV 2026: 2 JP (1 dialog)" in listing
    said = texts(await h.press(tg["ani"], h.button(tg["ani"], "Triwulan III")))
    [doc] = h.session.documents(tg["ani"])
    assert doc.filename == f"bukti-keterangan-tw3-2026-{PEOPLE['ani'][0]}.pdf"
    text = pdf_text(doc.data)
    for expected in ("Bukti Keterangan", "Telah Melaksanakan Dialog Kinerja",
                     "Melalui Pendekatan Coaching dan Mentoring", "Triwulan III", "Kementerian Kesehatan",
                     "PEGAWAI YANG DINILAI", "PEJABAT PENILAI KINERJA", "PANGKAT/GOL.RUANG", "UNIT KERJA",
                     "Telah melaksanakan dialog kinerja melalui pendekatan coaching dan mentoring sebagai "
                     "bagian dari pengembangan kompetensi yang berjumlah 6 JP pada periode penilaian "
                     "01 Juli s/d 30 September tahun 2026",
                     "Kepala Unit Kerja / Satuan Kerja", "Budi Test", f"NIP. {PEOPLE['budi'][0]}",
                     "Ani Test", PEOPLE["ani"][0], "Pranata Komputer", "Bagian Umum",
                     "menurut tanggal dialog", "3 dialog"):
        assert expected in text, expected
    assert MARKER not in text
    code = code_in(said)
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in text
    # Anyone may check it, an account or not; a code that is not one is named as such.
    checked = texts(await h.say(tg["dedi"], f"/verifikasi {code.lower()}"))
    assert "Dokumen asli" in checked and "Ani Test (NIP 199003032015031003)" in checked
    assert "Triwulan III 2026: 6 JP" in checked
    stranger = 777001
    assert "Dokumen asli" in texts(await h.feed(message_update(stranger, f"/start v_{code}")))
    assert "tidak dikenal" in texts(await h.feed(message_update(stranger, "/verifikasi ABCD-EFGH-JKMN")))
    assert "Kirim kode verifikasi" in texts(await h.say(tg["ani"], "/verifikasi"))


async def test_a_changed_quarter_gets_a_new_code_and_the_old_one_says_so(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await held(db, "ani", "checkin2", date(2026, 8, 4))
    await h.say(tg["ani"], "/dokumen")
    button = h.button(tg["ani"], "Triwulan III")
    first = code_in(texts(await h.press(tg["ani"], button)))
    assert code_in(texts(await h.press(tg["ani"], button))) == first  # the same facts: the same document
    await held(db, "ani", "checkin2b", date(2026, 9, 2))  # confirmed later in the quarter
    second = code_in(texts(await h.press(tg["ani"], button)))
    assert second != first
    assert "berjumlah 4 JP" in pdf_text(h.session.documents(tg["ani"])[-1].data)
    old = texts(await h.say(tg["ani"], f"/verifikasi {first}"))
    assert "Dokumen asli" in old and "2 JP" in old and "sudah diganti" in old and second[:4] in old
    assert "sudah diganti" not in texts(await h.say(tg["ani"], f"/verifikasi {second}"))


async def test_documents_are_each_persons_own(db: Database, clock: Clock) -> None:
    """A button names a document; what it holds comes from the presser's own
    records, so another's button gives nothing."""
    h, tg = await setup(db, clock)
    await held(db, "ani", "checkin2", date(2026, 8, 4))
    forged = pack(GetDocument("b", "kemenkes_tetap", "2026-Q3"))
    assert "tidak (lagi) tersedia" in texts(await h.press(tg["dedi"], forged))
    assert "tidak (lagi) tersedia" in texts(await h.press(tg["dedi"], pack(GetDocument("b", "x", "zzzz"))))
    assert "tidak (lagi) tersedia" in texts(await h.press(tg["sari"], pack(UnitBundle("2026-Q9"))))
    assert h.session.documents(tg["dedi"]) == []
    assert "Belum ada" in texts(await h.say(tg["dedi"], "/dokumen"))
    assert "Tulis tahun antara 2000 dan 2026" in texts(await h.say(tg["dedi"], "/dokumen tahun lalu"))


async def test_a_dialog_confirmed_by_chat_shows_in_status_and_documents(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    assert "Dokumen saya" not in h.buttons(tg["ani"])
    await fill_all(h, tg["ani"])
    await h.press(tg["ani"], h.button(tg["ani"], "Kirim"))
    await h.say(tg["budi"], "/tinjau")
    await h.press(tg["budi"], h.button(tg["budi"], "1. Ani Test"))
    await h.press(tg["budi"], h.button(tg["budi"], "Konfirmasi"))
    status = texts(await h.say(tg["ani"], "/status"))
    assert "Dokumen Anda yang siap diunduh: 1 — /dokumen" in status
    listing = texts(await h.press(tg["ani"], h.button(tg["ani"], "Dokumen saya")))
    assert "Triwulan IV 2026: 2 JP (1 dialog)" in listing


async def complete_profesi(h: Harness, ani: int, koor: int) -> None:
    await ask_koor(h, ani)
    await h.press(koor, h.sent_button(koor, "Setujui"))
    for session in ("Sesi Perencanaan", "Sesi Pelaksanaan"):
        await h.say(ani, "/isi")
        await h.press(ani, h.button(ani, f"Profesi: {session}"))
        await answer_all(h, ani)
        await h.press(ani, h.button(ani, "Kirim"))
        await h.press(koor, h.sent_button(koor, "Isi bagian saya"))
        await answer_all(h, koor)
        await h.press(koor, h.button(koor, "Kirim"))
    await h.say(koor, "/tinjau")
    await h.press(koor, h.button(koor, "Ani Test"))


async def test_certificates_once_the_coach_evaluation_is_in(db: Database, clock: Clock) -> None:
    """Profesi gives the coachee and the coach a certificate once the coach's
    Form Evaluasi is in (K:1045), worded in the reader's language."""
    h, tg = await setup(db, clock)
    ani, koor = tg["ani"], tg["koor"]
    await complete_profesi(h, ani, koor)
    assert "Sertifikat" not in texts(await h.say(ani, "/dokumen"))  # the coach's evaluation is still open
    await h.say(koor, "/tinjau")
    await h.press(koor, h.button(koor, "Ani Test"))
    await answer_all(h, koor)
    await h.press(koor, h.button(koor, "Kirim"))

    listing = texts(await h.say(ani, "/dokumen"))
    assert "Sertifikat coachee, Coaching & Mentoring Profesi: 3 sesi, 6 JP" in listing
    await h.press(ani, h.button(ani, "Sertifikat coachee"))
    [cert] = h.session.documents(ani)
    text = pdf_text(cert.data)
    assert "SERTIFIKAT" in text and "diberikan kepada Ani Test" in text and "bersama coach Koor Test" in text
    assert "sebanyak 3 sesi" in text and "6 JP" in text and "23 November 2026" in text
    assert "jawaban" not in text

    await h.say(koor, "/bahasa en")
    listing = texts(await h.say(koor, "/documents"))
    assert "Coach certificate, Coaching & Mentoring (Profesi) with Ani Test: sessions: 3" in listing
    said = texts(await h.press(koor, h.button(koor, "Coach certificate")))
    text = pdf_text(h.session.documents(koor)[-1].data)
    assert "CERTIFICATE" in text and "is awarded to Koor Test" in text and "for coachee Ani Test" in text
    # Koor heads no unit and Biro SDM's unit utama names no head: the line is left to sign by hand.
    assert "Head of the Work Unit" in text and "(....." in text
    assert "Verification code" in said


async def test_pic_takes_the_units_documents_as_one_zip(db: Database, clock: Clock) -> None:
    h, tg = await setup(db, clock)
    await held(db, "ani", "checkin2", date(2026, 8, 4))
    await held(db, "eka", "checkin2", date(2026, 9, 1))
    await held(db, "fajar", "checkin2", date(2026, 9, 1))  # another unit's
    await held(db, "dedi", "checkin3", date(2026, 10, 2))  # another quarter's
    listing = texts(await h.say(tg["sari"], "/dokumen"))
    assert "Sebagai PIC" in listing
    said = texts(await h.press(tg["sari"], h.button(tg["sari"], "ZIP unit, Triwulan III 2026")))
    assert "Menyiapkan 2 dokumen Bagian Umum, Triwulan III 2026" in said
    [bundle] = h.session.documents(tg["sari"])
    assert bundle.filename == "dokumen-bagian-umum-tw3-2026.zip"
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as z:
        names = sorted(z.namelist())
        texts_in = [pdf_text(z.read(n)) for n in names]
    assert names == sorted(f"bukti-keterangan-tw3-2026-{PEOPLE[p][0]}.pdf" for p in ("ani", "eka"))
    assert all("Triwulan III" in t and "berjumlah 2 JP" in t and MARKER not in t for t in texts_in)
    assert h.session.edits(tg["sari"])[-1].endswith("✅ Siap: 2 dari 2")
    async with db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(AuditEntry)
                                .where(AuditEntry.action == "dokumen"))).scalar_one() == 1

    # A coachee, or a koordinator who is no PIC, may not; the button checks on the server.
    zipped = pack(UnitBundle("2026-Q3"))
    assert "PIC atau kepala unit" in texts(await h.press(tg["ani"], zipped))
    assert "PIC atau kepala unit" in texts(await h.press(tg["koor"], zipped))
    assert "ZIP unit" not in str(h.buttons(tg["ani"]))
    # The unit's head may (Budi), and an empty quarter says so.
    assert "Belum ada dokumen Bagian Umum untuk Triwulan I 2026" in texts(
        await h.press(tg["budi"], pack(UnitBundle("2026-Q1"))))
    assert len(h.session.documents(tg["ani"])) == 0


def test_quarter_spans() -> None:
    assert quarter_span(2026, 3) == (date(2026, 7, 1), date(2026, 9, 30))
    assert quarter_span(2026, 4) == (date(2026, 10, 1), date(2026, 12, 31))
    assert normalise_code("abcd efgh-jkmn") == "ABCDEFGHJKMN"
    assert normalise_code("ABCD-EFGH-JKM0") is None  # 0 is never in a code
    assert parse_quarter("2026-Q3") == (2026, 3)
    assert [parse_quarter(p) for p in ("2026-Q9", "abcd-Q1", "2026-Q", "e12", "")] == [None] * 5


def test_a_certificate_names_an_activity_of_its_program() -> None:
    text = (Path(__file__).parent.parent / "flows/programs/kemenkes_profesi.yaml").read_text()
    with pytest.raises(SpecError, match="certificate after unknown activity 'sesi9'"):
        parse_spec(text.replace("after: sesi3", "after: sesi9"), "profesi.yaml")
