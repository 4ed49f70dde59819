"""Shared fixtures: real SQLite and a real PostgreSQL started for the run."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.db import Database, upgrade


@dataclass
class Clock:
    now: datetime = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 WIB

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


# --- SQLite -------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


# --- PostgreSQL -------------------------------------------------------------------


def _pg_bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Postgres:
    admin_url: str  # asyncpg DSN of the maintenance database
    base_url: str  # SQLAlchemy URL without the database name

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A throw-away PostgreSQL server for the test run (or BINA_TEST_PG_URL,
    e.g. postgresql+asyncpg://user:pw@host:5432, to use a running one)."""
    given = os.environ.get("BINA_TEST_PG_URL")
    if given:
        base = given.rstrip("/")
        yield Postgres(base.replace("+asyncpg", "") + "/postgres", base)
        return
    bindir = _pg_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL server binaries not found: install the 'postgresql' package "
                    "(make test does) or set BINA_TEST_PG_URL")
    workdir = Path(tempfile.mkdtemp(prefix="bina-pg-"))
    datadir = workdir / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(workdir, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(datadir), "-U", "bina", "-A", "trust",
                    "--no-sync", "-E", "UTF8"], check=True, capture_output=True)
    opts = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(datadir), "-o", opts, "-w",
                    "-l", str(workdir / "log"), "start"], check=True, capture_output=True)
    try:
        yield Postgres(f"postgresql://bina@127.0.0.1:{port}/postgres",
                       f"postgresql+asyncpg://bina@127.0.0.1:{port}")
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


async def _admin(pg: Postgres, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(pg.admin_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_template(postgres: Postgres) -> str:
    name = f"bina_template_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(postgres, f"CREATE DATABASE {name}"))
    upgrade(postgres.url(name))
    return name


# --- one fresh database per test, on each backend ---------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database on each backend (copied from a template)."""
    if request.param == "sqlite":
        path = tmp_path / "bina.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    pg: Postgres = request.getfixturevalue("postgres")
    template = request.getfixturevalue("pg_template")
    name = f"t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(pg, f"CREATE DATABASE {name} TEMPLATE {template}"))
    return pg.url(name)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Database]:
    path = tmp_path / "bina.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        yield database
    finally:
        await database.dispose()
