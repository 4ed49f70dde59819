"""Settings from the environment or a .env file."""

from __future__ import annotations

from datetime import time

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.program_spec import WEEKDAYS
from flows.reminders import QuietHours
from flows.spec import DEFAULT_PROGRAMS


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    bot_token: str | None = Field(default=None, alias="BOT_TOKEN")
    telegram_api_base: str = Field(default="https://api.telegram.org", alias="TELEGRAM_API_BASE")
    database_url: str = Field(default="sqlite+aiosqlite:///bina.db", alias="DATABASE_URL")
    timezone: str = Field(default="Asia/Jakarta", alias="BINA_TIMEZONE")
    locale: str = Field(default="id", alias="BINA_LOCALE")
    programs: str = Field(default=",".join(DEFAULT_PROGRAMS), alias="BINA_PROGRAMS")
    invite_days: int = Field(default=30, alias="BINA_INVITE_DAYS", ge=1)
    # The reminder tick and the outbox sender.
    tick_minutes: int = Field(default=5, alias="BINA_TICK_MINUTES", ge=1)
    # Messages a second for all chats (Telegram allows 30 per bot token: with
    # N replicas, give each 29/N) and seconds between two to one chat.
    send_rate: float = Field(default=29.0, alias="BINA_SEND_RATE", gt=0, le=30)
    per_chat_interval: float = Field(default=1.05, alias="BINA_PER_CHAT_SECONDS", ge=1)
    # Quiet hours of the instansi: no reminders from..to (local), nor on the days off.
    quiet_from: time = Field(default=time(21), alias="BINA_QUIET_FROM")
    quiet_to: time = Field(default=time(6), alias="BINA_QUIET_TO")
    days_off: str = Field(default="saturday,sunday", alias="BINA_DAYS_OFF")

    @property
    def quiet_hours(self) -> QuietHours:
        days = {d.strip().lower() for d in self.days_off.split(",") if d.strip()}
        unknown = days - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"BINA_DAYS_OFF: unknown day {', '.join(sorted(unknown))}; "
                             f"use {', '.join(WEEKDAYS)}")
        morning = max(self.quiet_to, time(8)) if self.quiet_to <= time(8) < self.quiet_from else self.quiet_to
        return QuietHours(self.quiet_from, self.quiet_to, morning, frozenset(WEEKDAYS.index(d) for d in days))

    @property
    def program_list(self) -> list[str]:
        names = [p.strip() for p in self.programs.split(",") if p.strip()]
        return names or list(DEFAULT_PROGRAMS)
