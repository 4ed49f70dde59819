"""`bina` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import sys
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import App, build_app, utc_now
from bot.config import ConfigError, Settings
from flows.spec import SpecError
from storage import repo
from storage.db import upgrade

log = logging.getLogger("bina")

NO_TOKEN = """BOT_TOKEN is not set, so the bot cannot connect to Telegram.

  1. In Telegram, talk to @BotFather, send /newbot and copy the token it gives.
  2. Put it in the environment or in a .env file:  BOT_TOKEN=123456:ABC...
  3. Run `bina run` again.

To try Bina without Telegram, run `bina demo` (an offline chat in this terminal).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bina", description="Bina: coaching & mentoring assistant")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="migrate, then run the Telegram bot")
    demo = sub.add_parser("demo", help="offline chat in the terminal on a demo organisation")
    demo.add_argument("--db", default=None, help="demo database URL (default: a local bina-demo.db)")
    demo.add_argument("--program", default=None,
                      help="run the demo on this program only (any bundled one, e.g. langsa)")
    db_cmd = sub.add_parser("db", help="database commands")
    db_cmd.add_argument("action", choices=["upgrade"])
    imp = sub.add_parser("import-roster", help="import employees from CSV or XLSX")
    imp.add_argument("file", type=Path)
    imp.add_argument("--allow-short-nip", action="store_true",
                     help="accept the 10-digit demo NIPs used in the guideline")
    inv = sub.add_parser("invite", help="write one-time registration links as CSV")
    inv.add_argument("--unit", default=None, help="only employees of this unit kerja or unit utama")
    inv.add_argument("--bot-username", default=None, help="bot username (default: asked with getMe)")
    inv.add_argument("--out", type=Path, default=None, help="CSV file (default: standard output)")
    inv.add_argument("--days", type=int, default=None, help="days until the links expire (default 30)")
    spec = sub.add_parser("spec", help="program specs")
    spec.add_argument("action", choices=["diagram"])
    spec.add_argument("program", nargs="?", default=None, help="program id (default: all)")
    rem = sub.add_parser("reminders", help="reminders the scheduler would queue")
    rem.add_argument("action", choices=["preview"])
    rem.add_argument("--date", required=True, type=date.fromisoformat, help="the day, e.g. 2026-04-01")
    rem.add_argument("--unit", default=None, help="only recipients of this unit kerja or unit utama")
    rem.add_argument("--rows", type=int, default=10, help="how many rows to show (default 10)")
    sub.add_parser("outbox", help="pending, sent and failed messages, and the oldest pending age")
    aud = sub.add_parser("audit", help="admin actions: who asked for which list or export, of what, when")
    aud.add_argument("--since", type=date.fromisoformat, default=None, help="from this day, e.g. 2026-11-01")
    ver = sub.add_parser("verify", help="whether a document's code is genuine, and whom it names")
    ver.add_argument("code", help="the code printed on the document, e.g. ABCD-EFGH-JKMN")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # WeasyPrint reports each step of every PDF at INFO; fontTools its subsetting.
    for chatty in ("weasyprint", "fontTools"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    settings = Settings()
    try:
        if args.command == "run":
            return run(settings)
        if args.command == "demo":
            from bot.console import run_demo

            programs = [args.program] if args.program else settings.program_list
            # Each program's demo keeps its own data, so one does not show in another.
            db = args.db or (f"sqlite+aiosqlite:///bina-demo-{args.program}.db" if args.program else None)
            return run_demo(db, settings.locale, programs)
        if args.command == "db":
            upgrade(settings.database_url)
            print("database is up to date")
            return 0
        if args.command == "import-roster":
            return import_roster(settings, args.file, args.allow_short_nip)
        if args.command == "spec":
            return spec_diagram(settings, args.program)
        if args.command == "invite":
            return invite(settings, args.unit, args.bot_username, args.out, args.days)
        if args.command == "reminders":
            from bot.reminder_report import preview

            upgrade(settings.database_url)
            return asyncio.run(preview(build_app(settings), args.date, args.unit, args.rows))
        if args.command == "outbox":
            from bot.reminder_report import outbox_report

            upgrade(settings.database_url)
            return asyncio.run(outbox_report(build_app(settings)))
        if args.command == "audit":
            from bot.audit_report import audit_report

            upgrade(settings.database_url)
            return asyncio.run(audit_report(build_app(settings), args.since))
        if args.command == "verify":
            upgrade(settings.database_url)
            return asyncio.run(verify(build_app(settings), args.code))
    except SpecError as e:
        print(f"Invalid spec:\n{e}", file=sys.stderr)
        return 3
    return 2


async def verify(app: App, code: str) -> int:
    """Prints what /verifikasi says; exit 0 only for a genuine code not replaced since."""
    from bot.handlers.documents import verification

    try:
        async with app.db.transaction() as s:
            lines = await verification(s, code, ZoneInfo(app.settings.timezone))
    finally:
        await app.db.dispose()
    for line in lines:
        print(app.catalogs.render(line, app.catalogs.lang(app.settings.locale)))
    return 0 if [m.key for m in lines] == ["verify.genuine"] else 1


def run(settings: Settings) -> int:
    if not settings.bot_token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    try:
        webhook = settings.webhook()
    except ConfigError as e:
        print(e, file=sys.stderr)
        return 2
    app = build_app(settings)  # fails early on a broken spec
    upgrade(settings.database_url)
    if webhook is None:
        from bot.runner import run_polling

        asyncio.run(run_polling(app, push=True))
    else:
        from bot.push import outbox_health
        from bot.webhook import run_webhook

        asyncio.run(run_webhook(app, push=True, health=lambda: outbox_health(app)))
    return 0


def spec_diagram(settings: Settings, program: str | None) -> int:
    from flows.diagram import program_diagram
    from flows.spec import load_specs

    # Any bundled program can be drawn by name; without one, the active ones.
    specs = load_specs()
    chosen = [program] if program else settings.program_list
    for pid in chosen:
        if pid not in specs.programs:
            print(f"unknown program {pid!r}; known: {', '.join(specs.programs)}", file=sys.stderr)
            return 2
        print(f"%% {pid}\n" + program_diagram(specs.programs[pid], specs))
    return 0


def import_roster(settings: Settings, path: Path, allow_short_nip: bool) -> int:
    from bot.roster_import import import_roster as do_import
    from bot.roster_import import print_report

    if not path.exists():
        print(f"{path}: no such file", file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    app = build_app(settings)
    lang = app.catalogs.lang(settings.locale)

    def progress(done: int, total: int) -> None:
        print(app.catalogs.text(lang, "roster.progress", done=done, total=total), file=sys.stderr)

    async def go() -> int:
        try:
            report = await do_import(app.db, path, utc_now(), allow_short_nip=allow_short_nip,
                                     progress=progress)
        finally:
            await app.db.dispose()
        print_report(report, app.catalogs, lang)
        return 0 if report.ok else 1

    return asyncio.run(go())


def invite(settings: Settings, unit: str | None, username: str | None, out: Path | None,
           days: int | None) -> int:
    upgrade(settings.database_url)
    app = build_app(settings)

    async def go() -> int:
        name = username or settings.bot_username or await _bot_username(settings)
        if not name:
            print("Give --bot-username, or set BOT_TOKEN so the name can be asked with getMe.",
                  file=sys.stderr)
            return 2
        ttl = timedelta(days=days or settings.invite_days)
        try:
            async with app.db.transaction() as s:
                made = await repo.create_invites(s, unit, utc_now(), ttl)
        finally:
            await app.db.dispose()
        fh = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
        try:
            writer = csv.writer(fh)
            writer.writerow(["nip", "nama", "link"])
            for person, code in made:
                writer.writerow([person.nip, person.nama, f"https://t.me/{name.lstrip('@')}?start={code}"])
        finally:
            if out:
                fh.close()
        print(f"{len(made)} invitation link(s) written", file=sys.stderr)
        return 0

    return asyncio.run(go())


async def _bot_username(settings: Settings) -> str | None:
    if not settings.bot_token:
        return None
    from bot.runner import make_bot

    bot = make_bot(settings)
    try:
        me = await bot.get_me()
        return me.username
    finally:
        await bot.session.close()


if __name__ == "__main__":
    sys.exit(main())
