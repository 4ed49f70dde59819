"""Schema upgrades carry existing data, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import upgrade
from tests.conftest import Postgres, _admin

ROWS = [  # id, status, answers, jp
    (1, "confirmed", '{"status": "selesai"}', 2),
    (2, "draft", "{}", 0),
    (3, "draft", '{"rhk": "A"}', 0),
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
    upgrade(empty_url)
    rows = asyncio.run(_run(empty_url, "SELECT id, status, jp, late FROM submissions ORDER BY id"))
    assert rows == [(1, "confirmed", 2, False), (2, "not_started", 0, False), (3, "draft", 0, False)]
