"""A small organisation for tests, loaded through the real roster code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows.roster import parse_rows
from storage import repo
from storage.db import Database

UNIT_UTAMA = "Sekretariat Jenderal"

# name -> (nip, jabatan, unit_kerja, atasan name, peran, telegram id); koor also coaches
# in the Profesi/Talenta programs, budi heads Bagian Umum (signs its documents) and dedi is a Talenta.
PEOPLE = {
    "kepala": ("197001011995011001", "Sekretaris Jenderal", "Biro Umum", None, "pembina", 500),
    "koor": ("197502021999031002", "Kepala Biro SDM", "Biro SDM", "kepala", "koordinator,coach_profesi", 501),
    "budi": ("198001012005011001", "Kepala Bagian Umum", "Bagian Umum", "kepala", "kepala_unit", 101),
    "sari": ("198502022010012002", "Analis SDM Aparatur", "Bagian Umum", "budi", "pic", 102),
    "ani": ("199003032015031003", "Pranata Komputer", "Bagian Umum", "budi", "", 103),
    "dedi": ("199104042016041004", "Arsiparis", "Bagian Umum", "budi", "", 104),
    "eka": ("199205052017052005", "Perencana", "Bagian Umum", "budi", "", 105),
    "fajar": ("199306062018061006", "Analis Kebijakan", "Bagian Keuangan", "koor", "", None),
}


def roster_rows() -> list[tuple[int, list[str]]]:
    rows = []
    for i, (key, (nip, jabatan, unit, atasan, peran, _tg)) in enumerate(PEOPLE.items(), start=2):
        rows.append((i, [nip, key.capitalize() + " Test", jabatan, "Penata (III/c)", "pertama",
                         UNIT_UTAMA, unit, PEOPLE[atasan][0] if atasan else "",
                         f"0812000{i:05d}", f"{key}@example.go.id", peran, "WIB", "",
                         "ya" if key == "dedi" else ""]))
    return rows


@dataclass
class Org:
    ids: dict[str, int]

    def tg(self, name: str) -> int:
        tg = PEOPLE[name][5]
        assert tg is not None
        return tg


async def make_org(db: Database, now: datetime) -> Org:
    rows, errors = parse_rows(roster_rows(), allow_short_nip=False)
    assert not errors
    ids: dict[str, int] = {}
    async with db.transaction() as s:
        await repo.upsert_roster(s, rows, now)
        for name, (nip, *_rest, tg) in PEOPLE.items():
            phone = rows[list(PEOPLE).index(name)].phone or ""
            person = next(iter(await repo.people_by_phone(s, phone)))
            assert person.nip == nip
            ids[name] = person.id
            if tg is not None:
                await repo.link_telegram(s, person.id, tg, "id", now)
    return Org(ids)
