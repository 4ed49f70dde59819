"""Repositories against real SQLite and real PostgreSQL."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from bot.roster_import import import_roster
from flows.access import Scope
from flows.jp import LedgerLine, reverse
from flows.messages import Msg
from flows.program import Status
from flows.roster import COLUMNS
from storage import repo
from storage.db import Database
from tests.conftest import Clock
from tests.org import PEOPLE, make_org, roster_rows


async def test_turn_reads_person_state_and_recent_updates(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    async with db.transaction() as s:
        assert await repo.open_turn(s, 999, clock()) is None  # not linked
        turn = await repo.open_turn(s, org.tg("ani"), clock())
        assert turn and turn.person.nama == "Ani Test" and turn.state is None
        assert turn.recent_updates == ()
        ids = tuple(range(1, repo.RECENT_UPDATES + 6))
        await repo.save_conversation(s, turn.person.id, {"flow": "form", "answers": {"a": "é"}}, ids, clock())
    async with db.transaction() as s:
        turn = await repo.open_turn(s, org.tg("ani"), clock())
        assert turn and turn.state == {"flow": "form", "answers": {"a": "é"}}
        assert turn.recent_updates == ids[-repo.RECENT_UPDATES:]  # only the latest are kept


async def test_roster_people_and_coaches(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    async with db.transaction() as s:
        ani = await repo.person_by_id(s, org.ids["ani"])
        assert ani and ani.coach_id == org.ids["budi"] and ani.unit_name == "Bagian Umum"
        assert ani.unit_utama_name == "Sekretariat Jenderal" and ani.timezone == "Asia/Jakarta"
        coachees = {p.nama for p in await repo.coachees_of(s, org.ids["budi"])}
        assert coachees == {"Sari Test", "Ani Test", "Dedi Test", "Eka Test"}
        assert org.ids["budi"] in await repo.coach_ids(s)


async def test_invites(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    async with db.transaction() as s:
        made = await repo.create_invites(s, None, clock(), timedelta(days=30))
    assert [p.nama for p, _ in made] == ["Fajar Test"]  # only people not linked yet
    code = made[0][1]
    assert len(code) <= 64 and code.replace("-", "").replace("_", "").isalnum()
    async with db.transaction() as s:
        assert (await repo.redeem_invite(s, "nope", 900, "id", clock()))[0] is repo.Redeem.UNKNOWN
        outcome, person = await repo.redeem_invite(s, code, 900, "id", clock())
        assert outcome is repo.Redeem.OK and person and person.telegram_id == 900
        assert (await repo.redeem_invite(s, code, 901, "id", clock()))[0] is repo.Redeem.USED
    async with db.transaction() as s:
        assert await repo.create_invites(s, "Bagian Umum", clock(), timedelta(days=1)) == []
    async with db.transaction() as s:
        await repo.link_telegram(s, org.ids["fajar"], 900, "id", clock())
        emp = (await repo.person_by_telegram(s, 900))
        assert emp and emp.nama == "Fajar Test"


async def test_invite_expiry(db: Database, clock: Clock) -> None:
    await make_org(db, clock())
    async with db.transaction() as s:
        (_, code), = await repo.create_invites(s, None, clock(), timedelta(days=30))
    clock.now += timedelta(days=31)
    async with db.transaction() as s:
        assert (await repo.redeem_invite(s, code, 900, "id", clock()))[0] is repo.Redeem.EXPIRED


async def test_submissions_and_monitoring(db: Database, clock: Clock) -> None:
    org = await make_org(db, clock())
    async with db.transaction() as s:
        d = await repo.create_draft(s, org.ids["ani"], "kemenkes_tetap", "rencana", 2026,
                                    "rencana_pengembangan", 1, clock())
        await repo.save_draft(s, d.id, {"rhk": "x"}, 2, 1, clock())
        e = await repo.create_draft(s, org.ids["dedi"], "kemenkes_tetap", "rencana", 2026,
                                    "rencana_pengembangan", 1, clock())
        await repo.submit(s, e.id, {"status": "selesai"}, org.ids["budi"], clock())
        f = await repo.create_draft(s, org.ids["eka"], "kemenkes_tetap", "rencana", 2026,
                                    "rencana_pengembangan", 1, clock())
        await repo.submit(s, f.id, {"status": "selesai"}, org.ids["budi"], clock())
        await repo.decide(s, f.id, Status.CONFIRMED, clock())
        line = LedgerLine("kemenkes_tetap", "rencana", date(2026, 3, 2), Decimal(2), Decimal(2), Decimal(2),
                          "amount", Msg("jp.credited", {"jp": Decimal(2)}))
        first = await repo.add_line(s, org.ids["eka"], f.id, line, clock())
        await repo.add_line(s, org.ids["eka"], f.id, replace(line, day=date(2025, 12, 30)), clock())
    async with db.transaction() as s:
        assert [r.id for r, _ in await repo.waiting_for(s, org.ids["budi"])] == [e.id]
        assert await repo.jp_total(s, org.ids["eka"], 2026) == 2
        assert await repo.jp_total(s, org.ids["eka"], 2025) == 2
        await repo.add_line(s, org.ids["eka"], f.id, reverse(replace(line, id=first)), clock())
    async with db.transaction() as s:
        assert await repo.jp_total(s, org.ids["eka"], 2026) == 0
        stored = await repo.lines_of(s, org.ids["eka"], year=2026)
        assert [x.credited for x in stored] == [2, -2] and stored[1].reverses == stored[0].id
        assert stored[0].reason == Msg("jp.credited", {"jp": Decimal(2)})
        assert stored[0].day == date(2026, 3, 2)
        ani = await repo.person_by_id(s, org.ids["ani"])
        assert ani
        rows, total = await repo.not_completed(s, Scope("unit_kerja", ani.unit_id), "kemenkes_tetap",
                                               "rencana", 2026)
        assert total == 5
        assert {r.nama: r.status for r in rows} == {
            "Ani Test": Status.DRAFT, "Dedi Test": Status.SUBMITTED, "Budi Test": Status.NOT_STARTED,
            "Sari Test": Status.NOT_STARTED,
        }
        rows, total = await repo.not_completed(s, Scope("unit_utama", ani.unit_utama_id), "kemenkes_tetap",
                                               "rencana", 2026)
        assert total == 8 and len(rows) == 7
        rows, total = await repo.not_completed(s, Scope("instansi", None), "kemenkes_tetap", "rencana", 2026)
        assert total == 8 and len(rows) == 7


def _write_csv(path: Path, rows: list[list[str]], header: tuple[str, ...] = COLUMNS) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([h.upper() for h in header])
        w.writerows(rows)


async def test_import_csv_reimport_and_bad_rows(db: Database, clock: Clock, tmp_path: Path) -> None:
    rows = [r for _, r in roster_rows()]
    bad = list(rows[2])
    bad[0] = "123"
    path = tmp_path / "roster.csv"
    _write_csv(path, [*rows, bad])
    report = await import_roster(db, path, clock(), allow_short_nip=False)
    assert report.created == len(PEOPLE) and report.updated == 0
    assert [(e.row, e.key) for e in report.errors] == [(len(rows) + 2, "roster.error.nip_format")]
    assert not report.ok
    # re-import with a changed jabatan updates, never duplicates
    rows[4][2] = "Analis SDM Ahli Muda"
    _write_csv(path, rows)
    report = await import_roster(db, path, clock(), allow_short_nip=False)
    assert report.ok and report.created == 0 and report.updated == len(PEOPLE)
    async with db.transaction() as s:
        assert len(await repo.existing_nips(s)) == len(PEOPLE)
        people = await repo.people_by_phone(s, "62812000" + "00006")
        assert people[0].jabatan == "Analis SDM Ahli Muda"


async def test_import_xlsx_with_penilai(db: Database, clock: Clock, tmp_path: Path) -> None:
    rows = [r for _, r in roster_rows()]
    wb = Workbook()
    ws = wb.active
    ws.append([*COLUMNS, "nip_penilai"])
    for r in rows:
        ws.append([*r[:len(COLUMNS)], PEOPLE["koor"][0] if r[0] == PEOPLE["ani"][0] else None])
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    report = await import_roster(db, path, clock(), allow_short_nip=False)
    assert report.ok and report.created == len(PEOPLE)
    async with db.transaction() as s:
        koor = (await repo.people_by_phone(s, "6281200000003"))[0]
        ani = (await repo.people_by_phone(s, "6281200000006"))[0]
        assert koor.nip == PEOPLE["koor"][0] and ani.nip == PEOPLE["ani"][0]
        assert ani.coach_id == koor.id  # the pejabat penilai is the coach Tetap


async def test_bad_header(db: Database, clock: Clock, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    _write_csv(path, [], header=("nama", "nip"))
    report = await import_roster(db, path, clock(), allow_short_nip=False)
    assert report.header_error and "nip,nama,jabatan" in report.header_error and not report.ok

