"""`bina demo` as a user drives it: console commands, the demo's language,
the ways out, pasted text. The last two also through a real terminal."""

from __future__ import annotations

import asyncio
import io
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.console import demo_loop
from bot.core import Bina
from bot.demo_seed import FIRST_PERSONA
from bot.turn import Result, Sender
from flows.events import ChoicePicked, CommandReceived, Event, TextReceived
from flows.spec import DEFAULT_PROGRAMS
from storage import repo
from storage.db import Database
from tests.conftest import Clock

ROOT = Path(__file__).resolve().parent.parent
ANI = FIRST_PERSONA  # Ani Lestari, a coachee


@pytest.fixture
def url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "demo.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Sender, Event]]:
    """What the console passed on to the application."""
    calls: list[tuple[Sender, Event]] = []
    handle = Bina.handle

    async def spy(self: Bina, update_id: int | None, sender: Sender, event: Event) -> Result:
        calls.append((sender, event))
        return await handle(self, update_id, sender, event)

    monkeypatch.setattr(Bina, "handle", spy)
    return calls


class Typed(io.StringIO):
    """Standard input that gives the lines, then raises `end` (or ends, if None)."""

    def __init__(self, lines: tuple[str, ...], end: BaseException | None = None) -> None:
        super().__init__("".join(f"{line}\n" for line in lines))
        self.end = end

    def readline(self, size: int | None = -1) -> str:
        line = super().readline()
        if not line and self.end is not None:
            raise self.end
        return line


def demo(url: str, *lines: str, end: BaseException | None = None, locale: str = "id",
         read: Callable[[str], str] | None = None, programs: tuple[str, ...] = DEFAULT_PROGRAMS) -> str:
    out = io.StringIO()
    try:
        demo_loop(url, Clock(), Typed(lines, end), out, locale, read=read, programs=programs)
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C escaped the demo")
    return out.getvalue()


def draft_answers(url: str, telegram_id: int) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        db = Database(url)
        try:
            async with db.transaction() as s:
                turn = await repo.open_turn(s, telegram_id, Clock()())
                assert turn is not None and turn.state is not None
                return dict(turn.state["answers"])
        finally:
            await db.dispose()

    return asyncio.run(go())


# --- ending -------------------------------------------------------------------


@pytest.mark.parametrize("how", [":quit", "Ctrl-D", "Ctrl-C", "Ctrl-C while the app works"])
def test_every_way_out_says_goodbye_and_closes_the_database(
        url: str, how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    disposed: list[Database] = []
    dispose = Database.dispose

    async def spy_dispose(self: Database) -> None:
        disposed.append(self)
        await dispose(self)

    monkeypatch.setattr(Database, "dispose", spy_dispose)
    if how == "Ctrl-C while the app works":
        async def interrupted(*args: Any) -> Result:
            raise KeyboardInterrupt

        monkeypatch.setattr(Bina, "handle", interrupted)
    lines = ("/status", ":quit") if how == ":quit" else ("/status",)
    text = demo(url, *lines, end=KeyboardInterrupt() if how == "Ctrl-C" else None)
    assert text.rstrip().endswith("Sampai jumpa!")
    assert len(disposed) == 1


# --- console commands ------------------------------------------------------------


def test_unknown_console_command_is_refused_not_answered(url: str, sent: list[tuple[Sender, Event]]) -> None:
    text = demo(url, "/isi", "#3", ":foo", ":) siap", ":quit")
    assert "Pertanyaan 2/16" in text
    refusal = text.split("Perintah konsol tidak dikenal: :foo", 1)[1]
    assert all(command in refusal for command in ("#N", ":as N", ":who", ":help", ":quit"))
    # ':' and a letter is a console command; a smiley is an answer like any other text
    assert [type(event) for _, event in sent] == [CommandReceived, ChoicePicked, TextReceived]
    assert sent[-1][1] == TextReceived(":) siap")
    assert draft_answers(url, ANI)["rhk"] == ":) siap"


def test_help_and_persona_switch(url: str, sent: list[tuple[Sender, Event]]) -> None:
    text = demo(url, ":help", ":as 9", ":as 1", ":who", ":q")
    assert "Perintah konsol" in text and "(pakai :as 1–8)" in text
    assert "(sekarang Anda Budi Santoso)" in text and " → 1. Budi Santoso (coach, kepala unit kerja)" in text
    assert "7. Ratna Sari (koordinator unit utama)" in text
    assert "8. Hendra Wijaya (pembina, seluruh instansi)" in text
    assert not sent


# --- pasted text -------------------------------------------------------------------


def test_a_multi_line_paste_is_one_answer(url: str, sent: list[tuple[Sender, Event]]) -> None:
    # On a terminal, readline's bracketed paste hands over a paste as one
    # value with its line breaks; that value must reach the form whole.
    typed = iter(["/isi", "#3", "RHK 1: layanan\nRHK 2: arsip", ":quit"])
    text = demo(url, read=lambda prompt: next(typed))
    assert sent[-1][1] == TextReceived("RHK 1: layanan\nRHK 2: arsip")
    assert "Pertanyaan 3/16" in text and "Pertanyaan 4/16" not in text
    assert draft_answers(url, ANI)["rhk"] == "RHK 1: layanan\nRHK 2: arsip"


# --- language ------------------------------------------------------------------------


def test_the_demo_speaks_the_language_of_the_persona(url: str, sent: list[tuple[Sender, Event]]) -> None:
    text = demo(url, "#9", "/bahasa en", "#9", ":foo", ":as 1", ":as 3", "/status", ":quit")
    before, after = text.split("Language set to English.", 1)
    assert "Demo Bina" in before and "(tidak ada tombol #9)" in before
    assert "(no button #9)" in after and "Unknown console command: :foo" in after
    assert "(sekarang Anda Budi Santoso)" in after  # Budi still reads Indonesian
    assert "(you are now Ani Lestari)" in after and after.rstrip().endswith("Goodbye!")
    assert [s.language_code for s, _ in sent] == ["id", "en"]


def test_the_demo_starts_in_bina_locale(url: str, sent: list[tuple[Sender, Event]]) -> None:
    text = demo(url, "/bantuan", ":quit", locale="en")
    assert "Bina demo — offline chat" in text and "What you can do:" in text
    assert " → 3. Ani Lestari (coachee)" in text and text.rstrip().endswith("Goodbye!")
    assert sent[0][0].language_code == "en"


# --- a real process, a real terminal -------------------------------------------------------


def _child_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "BINA_LOCALE", "DATABASE_URL")}
    return {**env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", "TERM": "xterm",
            "INPUTRC": "/dev/null", "HOME": str(tmp_path)}


def _default_sigint() -> None:
    # A test runner started in the background may ignore SIGINT; Ctrl-C in a
    # terminal reaches a process that does not.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _demo_command(url: str) -> list[str]:
    return [sys.executable, "-m", "bot", "demo", "--db", url]


def _wait_for(read: Callable[[], str], text: str, count: int = 1, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    seen = read()
    while seen.count(text) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"no {text!r} ×{count} after {timeout}s; output:\n{seen}")
        time.sleep(0.05)
        seen = read()
    return seen


def test_sigint_at_the_prompt_exits_cleanly(tmp_path: Path, url: str) -> None:
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("wb") as fo, err.open("wb") as fe:
        proc = subprocess.Popen(_demo_command(url), stdin=subprocess.PIPE, stdout=fo, stderr=fe,
                                cwd=tmp_path, env=_child_env(tmp_path), preexec_fn=_default_sigint)
    try:
        _wait_for(out.read_text, "Ani Lestari> ")
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=15)  # standard input stays open, as a terminal's does
    except subprocess.TimeoutExpired:
        pytest.fail(f"the demo hangs after SIGINT; output:\n{out.read_text()}")
    finally:
        proc.kill()
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait()
    assert code == 0, err.read_text()
    assert "Traceback" not in err.read_text() and out.read_text().rstrip().endswith("Sampai jumpa!")


class Terminal:
    """The controlling side of a pseudo-terminal."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.data = b""

    def read(self) -> str:
        while select.select([self.fd], [], [], 0)[0]:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not chunk:
                break
            self.data += chunk
        return self.data.decode(errors="replace")

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())


@pytest.fixture
def terminal_demo(tmp_path: Path, url: str) -> Iterator[tuple[subprocess.Popen[bytes], Terminal]]:
    import fcntl
    import termios

    pytest.importorskip("readline")

    def take_terminal() -> None:  # runs in the child, after setsid
        _default_sigint()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    controller, child = os.openpty()
    proc = subprocess.Popen(_demo_command(url), stdin=child, stdout=child, stderr=child, cwd=tmp_path,
                            env=_child_env(tmp_path), start_new_session=True, preexec_fn=take_terminal)
    os.close(child)
    try:
        yield proc, Terminal(controller)
    finally:
        proc.kill()
        proc.wait()
        os.close(controller)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals")
def test_terminal_paste_is_one_message_and_ctrl_c_quits(
        terminal_demo: tuple[subprocess.Popen[bytes], Terminal]) -> None:
    proc, term = terminal_demo
    _wait_for(term.read, "Ani Lestari> ")
    # A terminal wraps a paste in bracketed-paste marks; its line breaks come as CR.
    term.type("\x1b[200~halo\rapa kabar\x1b[201~\r")
    _wait_for(term.read, "Ani Lestari> ", count=2)
    term.type("\x03")  # Ctrl-C: the terminal sends SIGINT
    try:
        code = proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the demo hangs after Ctrl-C; output:\n{term.read()}")
    text = term.read()
    assert code == 0 and "Traceback" not in text, text
    assert text.count("tidak memahami pesan tersebut") == 1, text  # idle.hint, once
    assert text.rstrip().endswith("Sampai jumpa!"), text


def test_demo_of_another_program(url: str) -> None:
    text = demo(url, ":as 3", "/sesi", "/status", ":q", programs=("langsa",))
    assert "Coaching, Mentoring, dan Belajar Mandiri" in text and "Belajar Mandiri" in text
    assert "Coaching & Mentoring Tetap" not in text


def test_demo_of_profesi_pairs_with_the_profesi_coach(url: str) -> None:
    text = demo(url, ":as 3", "/program", "#1", "#1", ":as 6", "/tinjau", ":q")
    assert "Rina Hartati" in text and "meminta Anda menjadi coach" in text
