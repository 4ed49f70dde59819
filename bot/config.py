"""Settings from the environment or a .env file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.program_spec import WEEKDAYS
from flows.reminders import QuietHours
from flows.spec import DEFAULT_PROGRAMS

DEFAULT_WEBHOOK_PATH = "/telegram"
# What Telegram accepts as setWebhook's secret_token (and sends back in a header).
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_MAKE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


class ConfigError(ValueError):
    """A setting that cannot work; the message names it and says how to fix it."""


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str  # what Telegram is told to POST updates to
    path: str  # where this process listens for them (the path of `url`)
    secret: str
    host: str
    port: int


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    bot_token: str | None = Field(default=None, alias="BOT_TOKEN")
    # The bot's @username (without @), for the link in a document's QR code;
    # asked of the Bot API at start when not given.
    bot_username: str | None = Field(default=None, alias="BOT_USERNAME")
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

    webhook_url: str | None = Field(default=None, alias="WEBHOOK_URL")
    webhook_secret: str | None = Field(default=None, alias="WEBHOOK_SECRET", repr=False)
    http_host: str = Field(default="0.0.0.0", alias="BINA_HTTP_HOST")
    http_port: int = Field(default=8080, alias="BINA_HTTP_PORT", ge=1, le=65535)

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

    def webhook(self) -> Webhook | None:
        """The webhook set-up, or None to poll (no WEBHOOK_URL). Checked here
        rather than by a validator so that `bina run` can refuse with a plain
        message, and no error report ever echoes the token or the secret."""
        if not self.webhook_url:
            return None
        parts = urlsplit(self.webhook_url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ConfigError(f"WEBHOOK_URL must be an absolute https URL such as "
                              f"https://bot.example.org{DEFAULT_WEBHOOK_PATH}; got {self.webhook_url!r}.")
        if not self.webhook_secret:
            raise ConfigError(
                "WEBHOOK_URL is set, so `bina run` would take updates by webhook, but WEBHOOK_SECRET "
                "is not.\nTelegram sends the secret with every update so that nobody else can post "
                "to the webhook. Set WEBHOOK_SECRET to 1-256 characters from A-Z, a-z, 0-9, _ and -,"
                f" for example the output of:\n  {_MAKE_SECRET}")
        if not _SECRET.fullmatch(self.webhook_secret):
            raise ConfigError(
                "WEBHOOK_SECRET may only hold 1-256 characters from A-Z, a-z, 0-9, _ and - "
                f"(Telegram refuses any other). A good one comes from:\n  {_MAKE_SECRET}")
        # A URL without a path gets the default one, so that what Telegram is
        # told and where this process listens cannot differ.
        path = parts.path if parts.path not in ("", "/") else DEFAULT_WEBHOOK_PATH
        url = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
        return Webhook(url, path, self.webhook_secret, self.http_host, self.http_port)
