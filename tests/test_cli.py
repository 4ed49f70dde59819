"""The `bina` command line and the offline demo, as a user runs them."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import demo_loop
from tests.conftest import Clock

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "roster.csv"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    return tmp_path


def test_run_without_token_explains(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "BOT_TOKEN" in err and "@BotFather" in err and "bina demo" in err


def test_import_example_then_invite(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-roster", str(EXAMPLE)]) == 0
    out = capsys.readouterr()
    assert "7 pegawai baru" in out.out and "7/7" in out.err  # summary and progress
    assert main(["import-roster", str(EXAMPLE)]) == 0
    assert "0 pegawai baru, 7 diperbarui" in capsys.readouterr().out
    target = env / "links.csv"
    assert main(["invite", "--unit", "Bagian Umum", "--bot-username", "@bina_bot", "--out", str(target)]) == 0
    rows = list(csv.reader(target.open()))
    assert rows[0] == ["nip", "nama", "link"] and len(rows) == 1 + 5
    links = [r[2] for r in rows[1:]]
    assert all(link.startswith("https://t.me/bina_bot?start=") for link in links)
    assert len({link for link in links}) == 5 and all(len(link.split("=")[1]) <= 64 for link in links)


def test_import_bad_rows_exit_code(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = env / "bad.csv"
    lines = EXAMPLE.read_text().splitlines()
    lines.append("1980010120,Demo,Staf,III/a,,Sekretariat Jenderal,Bagian Umum,,,,,,")
    lines.append("199901012020011009,Tanpa Atasan,Staf,III/a,,Sekretariat Jenderal,Bagian Umum,"
                 "111111111111111111,,,,,")
    bad.write_text("\n".join(lines) + "\n")
    assert main(["import-roster", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "Baris 9: NIP 1980010120 hanya 10 digit" in out and "--allow-short-nip" in out
    assert "Baris 10: nip_atasan 111111111111111111 tidak ada" in out
    assert "7 pegawai baru" in out and "2 baris gagal" in out
    assert main(["import-roster", "--allow-short-nip", str(bad)]) == 1
    assert "1 pegawai baru" in capsys.readouterr().out


def test_invite_needs_a_bot_name(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invite"]) == 2
    assert "--bot-username" in capsys.readouterr().err


def test_broken_spec_fails_at_start(env: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:x")
    monkeypatch.setenv("BINA_PROGRAMS", "kemenkes_tetep")
    assert main(["run"]) == 3
    assert "unknown program" in capsys.readouterr().err


def test_demo_walkthrough(tmp_path: Path) -> None:
    from storage.db import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path}/demo.db"
    upgrade(url)
    script = "\n".join([
        "/isi", "#3", "RHK saya", "/batal", ":as 2", "/belum_isi rencana", ":as 3", "/isi",
        "#9", ":who", ":quit",
    ]) + "\n"
    out = io.StringIO()
    demo_loop(url, Clock(), io.StringIO(script), out)
    text = out.getvalue()
    assert "Pertanyaan 1/16" in text and "Pertanyaan 2/16" in text
    assert "Dibatalkan" in text and "5 dari 5 pegawai" in text and "draf" in text
    assert "Melanjutkan draf" in text and "(tidak ada tombol #9)" in text


def test_python_m_bot_help() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True,
                            env={**os.environ}, cwd=ROOT, timeout=60)
    assert result.returncode == 0 and "import-roster" in result.stdout


def test_spec_diagram(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "diagram", "kemenkes_tetap"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("%% kemenkes_tetap\nflowchart LR")
    assert "rencana --> checkin1" in out and "10-01 … 10-31" in out and "2 JP if status=selesai" in out
    assert "evaluasi -. same stage .- evaluasi_coach" in out and "[submitted] -->|confirm|" in out
    assert main(["spec", "diagram", "kemenkes_profesi"]) == 0
    out = capsys.readouterr().out
    assert "sesi3 -. releases JP .-> sesi1" in out and "requested[requested] -->|decline|" in out
    assert main(["spec", "diagram", "langsa"]) == 0
    out = capsys.readouterr().out
    assert "hours in jam; at most 2 JP a day; +20% if internasional=ya" in out and "-.-> coaching" in out
    assert main(["spec", "diagram", "nope"]) == 2


def test_reminders_preview_outbox_and_audit(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What an operator runs: the reminders a day would bring, the outbox's
    state, and the admin actions taken."""
    import asyncio
    from datetime import UTC, datetime

    from sqlalchemy import select

    from flows.access import Scope
    from storage import repo
    from storage.db import Database
    from storage.models import Employee

    assert main(["import-roster", str(EXAMPLE)]) == 0
    budi = "198001012005011001"

    async def link_and_act() -> None:
        db = Database(os.environ["DATABASE_URL"])
        async with db.transaction() as s:
            person_id, unit_id = (await s.execute(select(Employee.id, Employee.unit_id)
                                                  .where(Employee.nip == budi))).one()
            await repo.link_telegram(s, person_id, 101, "id", datetime(2026, 3, 1, tzinfo=UTC))
            await repo.audit.record(s, person_id, "ekspor", Scope("unit_kerja", unit_id),
                                    "kemenkes_tetap xlsx", datetime(2026, 11, 23, 3, tzinfo=UTC))
        await db.dispose()

    asyncio.run(link_and_act())
    capsys.readouterr()
    assert main(["reminders", "preview", "--date", "2026-04-01", "--rows", "3"]) == 0
    out = capsys.readouterr().out
    # Budi, the only one linked: Check-in 1 opens, his Rencana is overdue; as coach, his coachees' opening.
    assert "stage_window.open " in out and "stage_window.overdue " in out and "Budi Santoso" in out
    assert "unit: all" in out
    assert main(["outbox"]) == 0
    assert "pending" in capsys.readouterr().out  # the preview queued nothing
    assert main(["audit", "--since", "2026-11-01"]) == 0
    out = capsys.readouterr().out
    assert "2026-11-23 10:00 WIB  198001012005011001  Budi Santoso  ekspor  unit_kerja Bagian Umum" in out
    assert "1 entry since 2026-11-01" in out


def test_verify_a_documents_code(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`bina verify CODE` says what /verifikasi says; the exit code tells a
    script whether the code is a current genuine one."""
    import asyncio
    from datetime import UTC, datetime

    from sqlalchemy import select

    from storage import repo
    from storage.db import Database
    from storage.models import Employee

    assert main(["import-roster", str(EXAMPLE)]) == 0
    facts = {"year": 2026, "quarter": 3, "issuer": "Kementerian Kesehatan", "jp": "6",
             "dialogs": 3, "penilai": None, "signer": None,
             "pegawai": {"nama": "Ani Lestari", "nip": "199003032015031003", "pangkat": "", "jabatan": "",
                         "unit": "Bagian Umum"}}

    async def issue() -> tuple[str, str]:
        db = Database(os.environ["DATABASE_URL"])
        async with db.transaction() as s:
            ani = (await s.execute(select(Employee.id).where(Employee.nip == facts["pegawai"]["nip"]))
                   ).scalar_one()
            first = await repo.documents.issue(s, "bukti_keterangan", ani, "kemenkes_tetap", "2026-Q3", facts,
                                               datetime(2026, 10, 1, tzinfo=UTC))
            second = await repo.documents.issue(s, "bukti_keterangan", ani, "kemenkes_tetap", "2026-Q3",
                                                {**facts, "jp": "8", "dialogs": 4},
                                                datetime(2026, 10, 2, tzinfo=UTC))
        await db.dispose()
        return first.code, second.code

    old, new = asyncio.run(issue())
    capsys.readouterr()
    assert main(["verify", new.lower()]) == 0
    out = capsys.readouterr().out
    assert "Dokumen asli" in out and "Ani Lestari (NIP 199003032015031003)" in out and "8 JP" in out
    assert main(["verify", old]) == 1
    assert "sudah diganti" in capsys.readouterr().out
    assert main(["verify", "ABCD-EFGH-JKMN"]) == 1
    assert "tidak dikenal" in capsys.readouterr().out
