"""The demo unit of `bina demo`: five people of one Bagian Umum (its head
signs its documents), a profesi coach, the koordinator and the pembina of the
same unit utama, each linked to a fake Telegram account,
so the demo can speak as any of them. Dedi is marked as a Talenta, so every
Kemenkes program can be tried; the same people serve any other program."""

from __future__ import annotations

from datetime import datetime

from flows.messages import Msg
from flows.roster import parse_rows
from storage import repo
from storage.db import Database

# nip, nama, jabatan, pangkat, level, unit_utama, unit_kerja, atasan, telepon, email, peran, zona,
# nip_penilai, talenta
DEMO_ROSTER = [
    ("198001012005011001", "Budi Santoso", "Kepala Bagian Umum", "Pembina (IV/a)", "madya",
     "Sekretariat Jenderal", "Bagian Umum", "", "081200000001", "budi@example.go.id", "kepala_unit", "WIB",
     "", ""),
    ("198502022010012002", "Sari Wulandari", "Analis SDM Aparatur", "Penata (III/c)", "pertama",
     "Sekretariat Jenderal", "Bagian Umum", "198001012005011001", "081200000002",
     "sari@example.go.id", "pic", "WIB", "", ""),
    ("199003032015031003", "Ani Lestari", "Pranata Komputer", "Penata Muda (III/a)", "pertama",
     "Sekretariat Jenderal", "Bagian Umum", "198001012005011001", "081200000003",
     "ani@example.go.id", "", "WIB", "", ""),
    ("199104042016041004", "Dedi Kurniawan", "Arsiparis", "Penata Muda Tk. I (III/b)", "pertama",
     "Sekretariat Jenderal", "Bagian Umum", "198001012005011001", "081200000004",
     "dedi@example.go.id", "", "WIB", "", "ya"),
    ("199205052017052005", "Eka Putri", "Perencana", "Penata Muda (III/a)", "pertama",
     "Sekretariat Jenderal", "Bagian Umum", "198001012005011001", "081200000005",
     "eka@example.go.id", "", "WIB", "", ""),
    ("197806062003122006", "Rina Hartati", "Widyaiswara Ahli Madya", "Pembina Tk. I (IV/b)", "madya",
     "Sekretariat Jenderal", "Bagian Kepegawaian", "", "081200000006", "rina@example.go.id",
     "coach_profesi", "WIB", "", ""),
    ("197502021999031002", "Ratna Sari", "Kepala Biro SDM", "Pembina Utama Muda (IV/c)", "madya",
     "Sekretariat Jenderal", "Biro SDM", "", "081200000007", "ratna@example.go.id", "koordinator", "WIB",
     "", ""),
    ("197001011995011001", "Hendra Wijaya", "Sekretaris Jenderal", "Pembina Utama (IV/e)", "madya",
     "Sekretariat Jenderal", "Biro Umum", "", "081200000008", "hendra@example.go.id", "pembina", "WIB",
     "", ""),
]
ROLES = [Msg("demo.role.coach"), Msg("demo.role.pic"), Msg("demo.role.coachee"),
         Msg("demo.role.talenta"), Msg("demo.role.coachee"), Msg("demo.role.coach_profesi"),
         Msg("demo.role.koordinator"), Msg("demo.role.pembina")]
TELEGRAM_ID_BASE = 1000
FIRST_PERSONA = TELEGRAM_ID_BASE + 3  # Ani, a coachee
NAMES = {TELEGRAM_ID_BASE + i: row[1] for i, row in enumerate(DEMO_ROSTER, 1)}


async def seed(db: Database, now: datetime, locale: str) -> None:
    """Create the demo unit once; its people are linked to fake accounts and
    speak `locale` until they choose another language with /bahasa."""
    async with db.transaction() as s:
        known = await repo.existing_nips(s)
        missing = [(i, row) for i, row in enumerate(DEMO_ROSTER, 1) if row[0] not in known]
        if not missing:
            return
        # A demo database from an earlier version gains the people it lacks.
        rows, errors = parse_rows(enumerate(DEMO_ROSTER, 2), allow_short_nip=False)
        assert not errors, errors
        await repo.upsert_roster(s, rows, now)
        for i, row in missing:
            person = next(p for p in await repo.people_by_phone(s, "62" + row[8][1:]))
            await repo.link_telegram(s, person.id, TELEGRAM_ID_BASE + i, locale, now)
