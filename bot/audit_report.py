"""`bina audit [--since DATE]`: who asked for which list, recap, export or
reminder, of which scope, when (times in the instansi's zone)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.app import App
from storage import repo


async def audit_report(app: App, since: date | None) -> int:
    zone = ZoneInfo(app.settings.timezone)
    start = datetime.combine(since, time(0), zone) if since else None
    try:
        async with app.db.transaction() as s:
            entries = await repo.audit.since(s, start)
    finally:
        await app.db.dispose()
    for e in entries:
        at = e.at.astimezone(zone)
        print(f"{at:%Y-%m-%d %H:%M %Z}  {e.nip}  {e.nama}  {e.action}  {e.scope}  {e.detail}")
    count = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
    print(count + (f" since {since}" if since else ""))
    return 0
