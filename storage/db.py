"""Engine set-up and migrations.

SQLite runs in WAL mode with synchronous=NORMAL through a single connection:
measured here that is about twice the throughput of the default journal, and
a pool of several SQLite connections halves it under concurrency. Holding
the one connection also serialises writers, so each update's transaction
runs alone. PostgreSQL gets an ordinary pool; per-person serialisation there
comes from row locks (see repo.open_turn).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, **kwargs)


class Database:
    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite's one connection is handed out first come, first served: the
        # pool lets a newly arrived update take a just-freed connection ahead
        # of those already waiting, which under a burst starves a few people.
        self._turns = asyncio.Lock() if is_sqlite(url) else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        if self._turns is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._turns, self.sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations (synchronous; call it before the event loop starts,
    or through `upgrade_async` from inside one)."""
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
