"""A program added as YAML plus texts, with no code: loaded from a
temporary directory and walked end to end by chat."""

from __future__ import annotations

from pathlib import Path

from bot.core import Bina
from bot.i18n import Catalogs
from bot.telegram import build_dispatcher
from flows.spec import BUNDLED, load_specs
from storage.db import Database
from tests.conftest import Clock
from tests.org import make_org
from tests.tg import Harness, texts

PROGRAM = """
kind: program
id: kilat
version: 1
title: kilat.title
enrolment: {mode: automatic}
activities:
  - id: temu
    title: kilat.temu
    form: kilat_temu
    schedule: {kind: log, max_age_days: 30}
    sign_by: coach
    jp: {amount: 1, max_times_per_month: 3}
  - id: refleksi
    title: kilat.refleksi
    form: kilat_refleksi
    schedule: {kind: window, opens: "11-01", closes: "01-31", crosses_year_end: true}
    sign_by: null
"""

FORMS = {
    "kilat_temu": """
kind: form
id: kilat_temu
version: 1
title: kilat.temu
sections:
  - id: isi
    title: kilat.temu
    fields:
      - {name: tanggal, type: date, label: kilat.tanggal}
      - {name: topik, type: text, label: kilat.topik}
""",
    "kilat_refleksi": """
kind: form
id: kilat_refleksi
version: 1
title: kilat.refleksi
sections:
  - id: langkah
    title: kilat.langkah
    repeat: {min: 1, max: 2}
    fields:
      - {name: langkah, type: text, label: kilat.langkah}
  - id: nilai
    title: kilat.nilai
    fields:
      - {name: manfaat, type: scale, label: kilat.manfaat}
      - {name: alasan, type: text, label: kilat.alasan, relevant: {field: manfaat, is: ["1", "2"]}}
""",
}

TEXTS = {
    "kilat.title": ("Mentoring Kilat", "Quick Mentoring"),
    "kilat.temu": ("Pertemuan", "Meeting"),
    "kilat.refleksi": ("Refleksi Akhir Tahun", "Year-end Reflection"),
    "kilat.tanggal": ("Tanggal pertemuan", "Date of the meeting"),
    "kilat.topik": ("Topik", "Topic"),
    "kilat.langkah": ("Langkah berikutnya", "Next step"),
    "kilat.nilai": ("Manfaat", "Benefit"),
    "kilat.manfaat": ("Seberapa bermanfaat?", "How useful was it?"),
    "kilat.alasan": ("Mengapa kurang bermanfaat?", "Why was it not useful?"),
}


def write_program(root: Path) -> None:
    (root / "programs").mkdir()
    (root / "forms").mkdir()
    (root / "programs" / "kilat.yaml").write_text(PROGRAM)
    for name, text in FORMS.items():
        (root / "forms" / f"{name}.yaml").write_text(text)
    for i, lang in enumerate(("id", "en")):
        po = root / "locales" / lang / "LC_MESSAGES"
        po.mkdir(parents=True)
        (po / "bina.po").write_text("".join(f'msgid "{k}"\nmsgstr "{v[i]}"\n\n' for k, v in TEXTS.items()))


async def test_an_invented_program_works_from_yaml_and_texts_alone(
        db: Database, clock: Clock, tmp_path: Path) -> None:
    write_program(tmp_path)
    org = await make_org(db, clock())
    h = Harness(db, clock)
    catalogs = Catalogs(extra=(tmp_path,))
    h.bina = Bina(db, load_specs(BUNDLED, tmp_path, programs=["kilat"]), clock, catalogs=catalogs)
    h.dp = build_dispatcher(h.bina, catalogs)
    ani, budi = org.tg("ani"), org.tg("budi")

    # a log entry, signed by the coach, earns its JP
    await h.say(ani, "/sesi")  # the only log: opened at once
    await h.say(ani, "20/11/2026")
    await h.say(ani, "Membaca laporan")
    out = await h.press(ani, h.button(ani, "Kirim"))
    assert "Budi Test" in texts(out)
    out = await h.press(budi, h.sent_button(budi, "Paraf", "Ani Test"))
    assert "Catatan Pertemuan ke-1 (20/11/2026) dari Ani Test sudah diparaf (1 JP)" in texts(out)

    # the reflection window runs across the year end: due in January too
    clock.now = clock.now.replace(year=2027, month=1, day=10)
    opened = texts(await h.say(ani, "/isi"))
    assert "Mentoring Kilat — Refleksi Akhir Tahun" in opened
    await h.say(ani, "Mulai coaching rutin")
    out = texts(await h.press(ani, h.button(ani, "Ya")))  # one more row
    assert "Langkah berikutnya" in out
    await h.say(ani, "Belajar data")
    await h.press(ani, h.button(ani, "2"))  # scale: 2 makes the reason relevant
    assert "Mengapa kurang bermanfaat?" in texts(h.session.sent()[-1:])
    await h.say(ani, "Jadwal bentrok")
    summary = texts(h.session.sent()[-1:])
    assert "Belajar data" in summary and "Jadwal bentrok" in summary
    out = await h.press(ani, h.button(ani, "Kirim"))
    assert "dinyatakan selesai" in texts(out)  # nobody signs it
    status = texts(await h.say(ani, "/status"))
    assert "Mentoring Kilat" in status and "Refleksi Akhir Tahun" in status
    assert "JP dari program ini tahun ini" not in status  # last year's JP is not this year's
    assert "Mentoring Kilat (siklus 2026)" in status  # last year's cycle, still running
    assert "Belum ada kegiatan" in texts(await h.say(ani, "/jp"))
