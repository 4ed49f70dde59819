"""`bina demo`: the same application in a terminal, on a seeded demo unit.

Replies are rendered as text with numbered buttons; `#N` presses one.
Messages the bot sends to other people (the coach's notification, say) are
shown too, and their buttons wait for you when you switch to that persona.
A line that starts with ':' and a letter is a console command (`:help`
lists them), never an answer. The demo's own texts are in the language of
the persona at the keyboard: BINA_LOCALE at first, then whatever the app
last spoke to them (after /bahasa, say).

Input is read in the main thread, so Ctrl-C ends the demo as `:quit` and
Ctrl-D do. On a terminal, GNU readline gives line editing and history, and
its bracketed-paste mode makes a paste of several lines one answer. From a
pipe or a file every line is an input of its own.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.app import utc_now
from bot.core import Bina
from bot.demo_seed import FIRST_PERSONA, NAMES, ROLES, TELEGRAM_ID_BASE, seed
from bot.i18n import Catalogs
from bot.jobs import Job, run_job
from bot.reminding import actions, tick
from bot.render import reply_text
from bot.turn import Outgoing, Sender
from flows.events import ChoicePicked, ContactShared, Event, TextReceived, command_received
from flows.messages import Document, Msg, reply_from_json
from flows.spec import DEFAULT_PROGRAMS, load_specs
from storage import repo
from storage.db import Database, upgrade

DEMO_URL = "sqlite+aiosqlite:///bina-demo.db"
CONSOLE_COMMAND = re.compile(r":([A-Za-z]+)\s*(.*)", re.DOTALL)
QUIT = ("quit", "q", "exit")

# Reads one input given the prompt; EOFError at the end of input.
Reader = Callable[[str], str]


def parse_input(text: str, buttons: list[str]) -> Event | Msg | None:
    """An event for the app, a console message to show, or None for nothing."""
    if not text.strip():
        return None  # Telegram sends no empty messages either
    if text.startswith("#") and text[1:].isdigit():
        n = int(text[1:])
        if not 1 <= n <= len(buttons):
            return Msg("demo.no_button", {"n": n})
        data = buttons[n - 1]
        return ContactShared("", None) if data == "contact" else ChoicePicked(data)
    if text.startswith("/"):
        head, _, args = text[1:].partition(" ")
        return command_received(head, args)
    return TextReceived(text)


class Console:
    def __init__(self, bina: Bina, catalogs: Catalogs, out: TextIO = sys.stdout,
                 locale: str = "id") -> None:
        self.bina = bina
        self.catalogs = catalogs
        self.out = out
        self.default_lang = catalogs.lang(locale)
        self.persona = FIRST_PERSONA
        self.buttons: dict[int, list[str]] = {}
        self.langs: dict[int, str] = {}  # the language of the last message to each persona

    @property
    def lang(self) -> str:
        return self.langs.get(self.persona, self.default_lang)

    @property
    def prompt(self) -> str:
        return f"{NAMES[self.persona]}> "

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def tell(self, msg: Msg) -> None:
        self.print(self.catalogs.render(msg, self.lang))

    def show(self, msg: Outgoing) -> None:
        self.langs[msg.chat_id] = msg.lang
        if msg.chat_id != self.persona:
            self.print()
            self.tell(Msg("demo.to", {"name": NAMES.get(msg.chat_id, str(msg.chat_id))}))
        self.print("\n" + reply_text(self.catalogs, msg.reply, msg.lang))
        labels: list[str] = []
        data: list[str] = []
        for row in msg.reply.buttons:
            for b in row:
                data.append(b.data)
                labels.append(f"[#{len(data)} {self.catalogs.render(b.text, msg.lang)}]")
        if msg.reply.request_contact:
            data.append("contact")
            labels.append(f"[#{len(data)} {self.catalogs.text(msg.lang, 'start.share_button')}]")
        if labels:
            self.print("  " + " ".join(labels))
            self.buttons[msg.chat_id] = data
        if msg.reply.document is not None:
            self.print("  " + self.catalogs.render(Msg("demo.document", {
                "name": msg.reply.document.filename, "path": self.keep(msg.reply.document)}), msg.lang))

    def keep(self, document: Document) -> Path:
        """Where a document sent in the demo is saved, to be opened."""
        folder = Path(tempfile.gettempdir()) / "bina-demo"
        folder.mkdir(exist_ok=True)
        path = folder / document.filename
        path.write_bytes(document.content)
        return path

    def banner(self) -> None:
        self.tell(Msg("demo.title"))
        self.tell(Msg("demo.telegram_commands"))
        programs = self.bina.specs.programs.values()
        self.tell(Msg("demo.programs", {"programs": ", ".join(self.catalogs.render(Msg(p.title), self.lang)
                                                             for p in programs)}))
        if any(a.schedule.kind == "log" for p in programs for a in p.activities):
            self.tell(Msg("demo.logs"))
        self.help()
        self.who()

    def help(self) -> None:
        self.tell(Msg("demo.help"))

    def who(self) -> None:
        for i, role in enumerate(ROLES, 1):
            mark = "→" if TELEGRAM_ID_BASE + i == self.persona else " "
            label = self.catalogs.render(role, self.lang)
            self.print(f" {mark} {i}. {NAMES[TELEGRAM_ID_BASE + i]} ({label})")

    def switch(self, arg: str) -> None:
        if arg.isdigit() and 1 <= int(arg) <= len(ROLES):
            self.persona = TELEGRAM_ID_BASE + int(arg)
            self.tell(Msg("demo.you_are", {"name": NAMES[self.persona]}))
        else:
            self.tell(Msg("demo.as_usage", {"last": len(ROLES)}))

    def command(self, name: str, arg: str) -> bool:
        """Run a console command; False to stop."""
        if name in QUIT:
            return False
        if name == "as":
            self.switch(arg)
        elif name == "who":
            self.who()
        elif name == "help":
            self.help()
        else:
            self.tell(Msg("demo.unknown_command", {"command": name}))
            self.help()
        return True

    async def line(self, text: str) -> bool:
        """Handle one input (a line, or a paste of several); False to stop."""
        command = CONSOLE_COMMAND.fullmatch(text.strip())
        if command and command[1].lower() == "tick":
            await self.tick(command[2].strip())
            return True
        if command:
            return self.command(command[1].lower(), command[2].strip())
        event = parse_input(text.strip("\r\n"), self.buttons.get(self.persona, []))
        if isinstance(event, Msg):
            self.tell(event)
            return True
        if event is None:
            return True
        if isinstance(event, ContactShared):
            event = ContactShared("", self.persona)
        sender = Sender(self.persona, self.persona, self.lang)
        result = await self.bina.handle(None, sender, event)
        for msg in result.messages:
            self.show(msg)
            if msg.job is not None:
                await self.run(msg, msg.job)
        await self.deliver_queued(self.bina.clock())
        return True

    async def run(self, msg: Outgoing, job: Job) -> None:
        """A job's count as it grows, then its file saved like any document."""
        async def show(done: int) -> None:
            self.print("  " + self.catalogs.render(job.progress(done), msg.lang))

        content = await run_job(job, show)
        self.print("  " + self.catalogs.render(job.finished(), msg.lang))
        self.print("  " + self.catalogs.render(Msg("demo.document", {
            "name": job.filename, "path": self.keep(Document(job.filename, content))}), msg.lang))

    async def deliver_queued(self, now: datetime) -> None:
        """Show what the outbox holds for anyone, as the sender would send it."""
        while rows := await self._claim(now):
            for row in rows:
                if row.telegram_id is not None:
                    reply = actions(row, reply_from_json(row.payload))
                    self.show(Outgoing(row.telegram_id, row.locale or self.default_lang, reply))
            async with self.bina.db.transaction() as s:
                for row in rows:
                    await repo.outbox.finish(s, row.id, "sent" if row.telegram_id else "dropped", now)

    async def _claim(self, now: datetime) -> list[repo.outbox.Claimed]:
        async with self.bina.db.transaction() as s:
            return await repo.outbox.claim(s, now, 100, timedelta(minutes=5))

    async def tick(self, arg: str) -> None:
        """`:tick [YYYY-MM-DD]`: the reminder tick at 09:00 of that day (today
        by default), then whatever it queued that is due by then."""
        try:
            day = date.fromisoformat(arg) if arg else None
        except ValueError:
            self.tell(Msg("demo.tick_usage"))
            return
        zone = self.bina.settings.default_timezone
        now = datetime.combine(day, time(9), ZoneInfo(zone)) if day else self.bina.clock()
        report = await tick(self.bina.db, self.bina.specs, now, default_timezone=zone)
        self.tell(Msg("demo.ticked", {"due": len(report.due), "queued": report.queued}))
        await self.deliver_queued(now)


def enable_line_editing() -> None:
    """Arrow keys, history, and pastes of several lines as one input, for input()."""
    try:
        import readline
    except ImportError:  # a Python built without it: plain input() still works
        return
    if "GNU readline" in (readline.__doc__ or ""):  # libedit (macOS) has no bracketed paste
        readline.parse_and_bind("set enable-bracketed-paste on")


def line_reader(stdin: TextIO, out: TextIO) -> Reader:
    """input() with line editing on the real terminal, else lines of `stdin`."""
    if stdin is sys.stdin and out is sys.stdout and stdin.isatty():
        enable_line_editing()
        return input

    def read(prompt: str) -> str:
        out.write(prompt)
        out.flush()
        line = stdin.readline()
        if not line:
            raise EOFError
        return line

    return read


def demo_loop(url: str, clock: Callable[[], datetime], stdin: TextIO, out: TextIO,
              locale: str = "id", read: Reader | None = None,
              programs: Sequence[str] = DEFAULT_PROGRAMS) -> None:
    """Chat until `:quit`, the end of input or Ctrl-C; always close the database."""
    read = read or line_reader(stdin, out)
    catalogs = Catalogs()
    lang = catalogs.lang(locale)
    db = Database(url)
    with asyncio.Runner() as runner:
        try:
            runner.run(seed(db, clock(), lang))
            specs = load_specs(programs=list(programs))
            console = Console(Bina(db, specs, clock, default_locale=lang), catalogs, out, lang)
            console.banner()
            try:
                while True:
                    console.print()
                    if not runner.run(console.line(read(console.prompt))):
                        break
            except (EOFError, KeyboardInterrupt):
                console.print()  # the prompt's line was left open
            console.tell(Msg("demo.goodbye"))
        finally:
            runner.run(db.dispose())


def run_demo(url: str | None, locale: str = "id", programs: Sequence[str] = DEFAULT_PROGRAMS) -> int:
    target = url or DEMO_URL
    upgrade(target)
    demo_loop(target, utc_now, sys.stdin, sys.stdout, locale, programs=programs)
    return 0
