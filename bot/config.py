"""Settings from the environment or a .env file."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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

    @property
    def program_list(self) -> list[str]:
        names = [p.strip() for p in self.programs.split(",") if p.strip()]
        return names or list(DEFAULT_PROGRAMS)
