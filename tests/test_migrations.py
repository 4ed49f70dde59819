"""Schema upgrades carry existing data, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import alembic_config, upgrade
from tests.conftest import Postgres, _admin

ROWS = [  # id, status, answers, jp
    (1, "confirmed", '{"status": "selesai", "tanggal": "2026-02-20"}', 2),
    (2, "draft", "{}", 0),
    (3, "draft", '{"rhk": "A"}', 0),
    (4, "confirmed", '{"status": "belum_selesai"}', 0),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/m.db"
    pg: Postgres = request.getfixturevalue("postgres")
    name = f"m_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(pg, f"CREATE DATABASE {name}"))
    return pg.url(name)


async def _run(url: str, *statements: str) -> list[tuple[object, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            rows: list[tuple[object, ...]] = []
            for sql in statements:
                result = await conn.execute(text(sql))
                rows = [tuple(r) for r in result] if result.returns_rows else rows
            return rows
    finally:
        await engine.dispose()


def test_0002_keeps_submissions_and_their_jp(empty_url: str) -> None:
    upgrade(empty_url, "0001")
    now = "'2026-03-01 03:00:00+00'"
    inserts = [
        "INSERT INTO units (id, name) VALUES (1, 'Sekretariat Jenderal')",
        "INSERT INTO units (id, name, parent_id) VALUES (2, 'Bagian Umum', 1)",
        f"INSERT INTO employees (id, nip, nama, jabatan, pangkat_golongan, unit_id, roles, created_at, "
        f"updated_at) VALUES (1, '199003032015031003', 'Ani', 'Staf', 'III/a', 2, '', {now}, {now})",
        *[f"INSERT INTO submissions (id, employee_id, program, stage, year, form_id, spec_version, answers, "
          f"cursor, status, jp, created_at, updated_at) VALUES ({i}, 1, 'kemenkes_tetap', 's{i}', 2026, "
          f"'risalah_dialog_kinerja', 1, '{answers}', 0, '{status}', {jp}, {now}, {now})"
          for i, status, answers, jp in ROWS],
    ]
    asyncio.run(_run(empty_url, *inserts))
    upgrade(empty_url, "0002")
    rows = asyncio.run(_run(empty_url, "SELECT id, status, jp, late FROM submissions ORDER BY id"))
    assert rows == [(1, "confirmed", 2, False), (2, "not_started", 0, False), (3, "draft", 0, False),
                    (4, "confirmed", 0, False)]


def test_0003_moves_each_confirmed_forms_jp_into_the_ledger(empty_url: str) -> None:
    test_0002_keeps_submissions_and_their_jp(empty_url)
    upgrade(empty_url)
    forms = asyncio.run(_run(empty_url, "SELECT id, activity, occurrence, day FROM submissions ORDER BY id"))
    assert [(i, a, o) for i, a, o, _ in forms] == [(1, "s1", 0), (2, "s2", 0), (3, "s3", 0), (4, "s4", 0)]
    assert str(forms[0][3]) == "2026-02-20"  # the dialog's own date
    ledger = asyncio.run(_run(empty_url, "SELECT employee_id, program, activity, submission_id, day, "
                                         "credited, rule, reason_key FROM jp_ledger ORDER BY id"))
    assert [(e, p, a, s, str(d), float(c), r, k) for e, p, a, s, d, c, r, k in ledger] == [
        (1, "kemenkes_tetap", "s1", 1, "2026-02-20", 2.0, "amount", "jp.credited"),
        (1, "kemenkes_tetap", "s4", 4, "2026-03-01", 0.0, "when", "jp.dialog_not_finished"),
    ]
    # and back: the JP return to the forms
    command.downgrade(alembic_config(empty_url), "0002")
    rows = asyncio.run(_run(empty_url, "SELECT id, stage, jp FROM submissions ORDER BY id"))
    assert rows == [(1, "s1", 2), (2, "s2", 0), (3, "s3", 0), (4, "s4", 0)]


def test_the_migrations_build_the_schema_the_models_describe(empty_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.models import Base

    upgrade(empty_url)

    def diff(conn: object) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": False})  # type: ignore[arg-type]
        return list(compare_metadata(context, Base.metadata))

    async def run() -> list[object]:
        engine = create_async_engine(empty_url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(diff)
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == []
