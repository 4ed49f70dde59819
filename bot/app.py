"""Composition root: settings in, a wired application out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Settings
from bot.core import Bina
from bot.i18n import Catalogs
from flows.spec import SpecSet, load_specs
from storage.db import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    settings: Settings
    db: Database
    specs: SpecSet
    catalogs: Catalogs
    bina: Bina


def build_app(settings: Settings, clock: Callable[[], datetime] = utc_now) -> App:
    specs = load_specs(programs=settings.program_list)
    catalogs = Catalogs()
    db = Database(settings.database_url)
    bina = Bina(db, specs, clock, settings.timezone, catalogs.lang(settings.locale), catalogs,
                settings.bot_username)
    return App(settings, db, specs, catalogs, bina)
