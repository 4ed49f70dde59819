"""`bina reminders preview` and `bina outbox`: what the push side would do
and has done, for whoever runs the instansi's Bina."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.app import App, utc_now
from bot.reminding import load_inputs
from flows.reminders import Reminder, due_reminders
from storage import repo

PREVIEW_TICKS = (time(0), time(8), time(12), time(16), time(20, 59))


async def preview(app: App, day: date, unit: str | None, rows: int) -> int:
    """The reminders that would be queued on `day` (as the data stand now),
    without queuing or sending anything."""
    zone = ZoneInfo(app.settings.timezone)
    try:
        async with app.db.transaction() as s:
            inputs = await load_inputs(s, app.specs, datetime.combine(day, time(0), zone))
        # Ticks through the day: what opens at midnight, the 08:00 digest,
        # the 16:00 session notices; each reminder as its first tick sees it.
        due_by_key: dict[str, Reminder] = {}
        for hour in PREVIEW_TICKS:
            at = datetime.combine(day, hour, zone)
            for r in due_reminders(app.specs.programs.values(), inputs.people, inputs.statuses, at,
                                   facts=inputs.facts, quiet=app.settings.quiet_hours,
                                   default_timezone=app.settings.timezone):
                due_by_key.setdefault(r.key, r)
        due = sorted(due_by_key.values(), key=lambda r: (r.not_before, r.key))
        async with app.db.transaction() as s:
            queued = await repo.outbox.existing_keys(s, [r.key for r in due])
            utama_of = {kerja: utama for utama, all_kerja in (await repo.reminding.unit_kerja_of(s)).items()
                        for kerja in all_kerja}
            people = {p.id: p for p in inputs.people}
            kerja_of = {p.id: int(p.unit) for p in inputs.people if p.unit is not None}
            names = await repo.unit_names(s, list({*kerja_of.values(), *utama_of.values()}))
    finally:
        await app.db.dispose()

    def in_unit(person_id: int) -> bool:
        kerja = kerja_of.get(person_id)
        return kerja is not None and unit in (names.get(kerja), names.get(utama_of.get(kerja, -1)))

    if unit is not None and unit not in names.values():
        print(f"unknown unit {unit!r}; known: {', '.join(sorted(names.values()))}", file=sys.stderr)
        return 2
    new = [r for r in due if r.key not in queued and (unit is None or in_unit(r.recipient))]
    lang = app.catalogs.lang(app.settings.locale)
    print(f"Reminders that would be queued on {day} ({zone.key}; as the data stand now), "
          f"unit: {unit or 'all'}; {len(due) - len([r for r in due if r.key not in queued])} already queued")
    counts = Counter(r.kind for r in new)
    for kind, n in sorted(counts.items()):
        print(f"  {kind:<32} {n:>9,}")
    print(f"  {'total':<32} {len(new):>9,}")
    if new:
        print(f"\nFirst {min(rows, len(new))} of {len(new)}:")
    for r in new[:rows]:
        p = people.get(r.recipient)
        local = r.not_before.astimezone(p.zone(zone.key) if p else zone)
        text = app.catalogs.render(r.message, lang).replace("\n", " ")
        print(f"  {local:%Y-%m-%d %H:%M %Z}  {p.name if p else r.recipient}  {r.kind}  "
              f"{r.program} {r.subject}\n      {text[:150]}")
    return 0


async def outbox_report(app: App) -> int:
    now = utc_now()
    try:
        async with app.db.transaction() as s:
            stats = await repo.outbox.stats(s, now)
    finally:
        await app.db.dispose()
    for status in ("pending", "sending", "sent", "dropped", "failed"):
        print(f"  {status:<8} {stats.counts.get(status, 0):>9,}")
    age = stats.oldest_pending
    print(f"  oldest pending: {_age(age) if age is not None else 'none waiting'}")
    return 0


def _age(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{int(age.total_seconds())} s"
