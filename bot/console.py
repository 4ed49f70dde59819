"""`bina demo`: the same application in a terminal, on a seeded demo unit.

Replies are rendered as text with numbered buttons; `#N` presses one.
Messages the bot sends to other people (the coach's notification, say) are
shown too, and their buttons wait for you when you switch to that persona.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from bot.app import utc_now
from bot.core import Bina
from bot.i18n import Catalogs
from bot.render import reply_text
from bot.turn import Outgoing, Sender
from flows.events import ChoicePicked, CommandReceived, ContactShared, Event, TextReceived
from flows.roster import parse_rows
from flows.spec import load_specs
from storage import repo
from storage.db import Database, upgrade

DEMO_URL = "sqlite+aiosqlite:///bina-demo.db"

# nip, nama, jabatan, pangkat, level, unit_utama, unit_kerja, atasan, telepon, email, peran, zona
DEMO_ROSTER = [
    ("198001012005011001", "Budi Santoso", "Kepala Bagian Umum", "Pembina (IV/a)", "madya",
     "Sekretariat Jenderal", "Bagian Umum", "", "081200000001", "budi@example.go.id", "", "WIB"),
    ("198502022010012002", "Sari Wulandari", "Analis SDM Aparatur", "Penata (III/c)", "pertama",
     "Sekretariat Jenderal", "Bagian Umum", "198001012005011001", "081200000002",
     "sari@example.go.id", "pic", "WIB"),
    ("199003032015031003", "Ani Lestari", "Pranata Komputer", "Penata Muda (III/a)", "pertama",
     "Sekretariat Jenderal", "Bagian Umum", "198001012005011001", "081200000003",
     "ani@example.go.id", "", "WIB"),
    ("199104042016041004", "Dedi Kurniawan", "Arsiparis", "Penata Muda Tk. I (III/b)", "pertama",
     "Sekretariat Jenderal", "Bagian Umum", "198001012005011001", "081200000004",
     "dedi@example.go.id", "", "WIB"),
    ("199205052017052005", "Eka Putri", "Perencana", "Penata Muda (III/a)", "pertama",
     "Sekretariat Jenderal", "Bagian Umum", "198001012005011001", "081200000005",
     "eka@example.go.id", "", "WIB"),
]
ROLES = ["coach", "PIC", "coachee", "coachee", "coachee"]
TELEGRAM_ID_BASE = 1000


async def seed(db: Database, now: datetime) -> None:
    """Create the demo unit once; its people are linked to fake accounts."""
    async with db.transaction() as s:
        if await repo.existing_nips(s):
            return
        rows, errors = parse_rows(enumerate(DEMO_ROSTER, 2), allow_short_nip=False)
        assert not errors, errors
        await repo.upsert_roster(s, rows, now)
        for i, row in enumerate(DEMO_ROSTER, 1):
            person = next(p for p in await repo.people_by_phone(s, "62" + row[8][1:]))
            await repo.link_telegram(s, person.id, TELEGRAM_ID_BASE + i, "id", now)


def parse_input(line: str, buttons: list[str]) -> Event | str | None:
    """An event, or an error text for the user, or None for nothing."""
    text = line.rstrip("\n")
    if text.startswith("#") and text[1:].isdigit():
        n = int(text[1:])
        if not 1 <= n <= len(buttons):
            return f"(no button #{n})"
        data = buttons[n - 1]
        return ContactShared("", None) if data == "contact" else ChoicePicked(data)
    if text.startswith("/"):
        head, _, args = text[1:].partition(" ")
        return CommandReceived(head.lower(), args.strip())
    return TextReceived(text)


class Console:
    def __init__(self, bina: Bina, catalogs: Catalogs, names: dict[int, str],
                 out: TextIO = sys.stdout) -> None:
        self.bina = bina
        self.catalogs = catalogs
        self.names = names
        self.out = out
        self.persona = TELEGRAM_ID_BASE + 3
        self.buttons: dict[int, list[str]] = {}

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def show(self, msg: Outgoing) -> None:
        text = reply_text(self.catalogs, msg.reply, msg.lang)
        if msg.chat_id != self.persona:
            self.print(f"\n📨 [to {self.names.get(msg.chat_id, msg.chat_id)}]")
        self.print("\n" + text)
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

    def banner(self) -> None:
        self.print("Bina demo — offline chat on a demo unit (Bagian Umum).")
        self.print("Type as you would in Telegram: /isi, /status, /tinjau, /belum_isi, /bantuan, /bahasa.")
        self.print("#N presses button N · :as N switches persona · :who lists personas · :quit ends")
        self.who()

    def who(self) -> None:
        for i, role in enumerate(ROLES, 1):
            mark = "→" if TELEGRAM_ID_BASE + i == self.persona else " "
            self.print(f" {mark} {i}. {self.names[TELEGRAM_ID_BASE + i]} ({role})")

    async def line(self, text: str) -> bool:
        """Handle one input line; False to stop."""
        stripped = text.strip()
        if stripped in (":quit", ":q", ":exit"):
            return False
        if stripped == ":who":
            self.who()
            return True
        if stripped.startswith(":as"):
            arg = stripped[3:].strip()
            if arg.isdigit() and 1 <= int(arg) <= len(ROLES):
                self.persona = TELEGRAM_ID_BASE + int(arg)
                self.print(f"(you are now {self.names[self.persona]})")
            else:
                self.print(f"(use :as 1–{len(ROLES)})")
            return True
        event = parse_input(text, self.buttons.get(self.persona, []))
        if isinstance(event, str):
            self.print(event)
            return True
        if event is None:
            return True
        if isinstance(event, ContactShared):
            event = ContactShared("", self.persona)
        result = await self.bina.handle(None, Sender(self.persona, self.persona, "id"), event)
        for msg in result.messages:
            self.show(msg)
        return True


async def demo_loop(url: str, clock: Callable[[], datetime], stdin: TextIO, out: TextIO) -> None:
    db = Database(url)
    try:
        await seed(db, clock())
        bina = Bina(db, load_specs(), clock)
        names = {TELEGRAM_ID_BASE + i: row[1] for i, row in enumerate(DEMO_ROSTER, 1)}
        console = Console(bina, Catalogs(), names, out)
        console.banner()
        while True:
            print(f"\n{names[console.persona]}> ", end="", file=out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if not await console.line(line):
                break
    finally:
        await db.dispose()


def run_demo(url: str | None) -> int:
    target = url or DEMO_URL
    upgrade(target)
    asyncio.run(demo_loop(target, utc_now, sys.stdin, sys.stdout))
    return 0



