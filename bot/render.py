"""Engine replies to text: translated, joined, and split to fit a message."""

from __future__ import annotations

from bot.i18n import Catalogs
from flows.messages import Reply

TELEGRAM_LIMIT = 4096


def reply_text(catalogs: Catalogs, reply: Reply, lang: str) -> str:
    return "\n".join(catalogs.render(m, lang) for m in reply.lines)


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at line breaks (or hard, for a single over-long line) so that
    no chunk exceeds the limit."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks
