"""Telegram at the edge: real update JSON in, recorded Bot API calls out.

`RecordingSession` stands in for Telegram's servers only; the Bot, the
Dispatcher, our routers and everything behind them are the real ones.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetMyCommands,
    TelegramMethod,
)
from aiogram.types import BufferedInputFile, Chat, Document, Message, PhotoSize, User

from bot.core import Bina
from bot.i18n import Catalogs
from bot.reminding import relevance
from bot.sender import OutboxSender
from bot.telegram import build_dispatcher
from flows.spec import DEFAULT_PROGRAMS, load_specs
from storage.db import Database

BOT_ID = 4242


class LocalBotAPI(BaseSession):
    """Answers the Bot API calls the bot makes, locally; `record` sees each."""

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1)

    def record(self, method: TelegramMethod[Any]) -> None:
        pass

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        self.record(method)
        if isinstance(method, SendMessage):
            return Message(message_id=next(self._ids), date=datetime.now(UTC),
                           chat=Chat(id=int(method.chat_id), type="private"), text=method.text)
        if isinstance(method, SendDocument):
            upload = method.document
            assert isinstance(upload, BufferedInputFile)
            return Message(message_id=next(self._ids), date=datetime.now(UTC),
                           chat=Chat(id=int(method.chat_id), type="private"),
                           document=Document(file_id=f"f{next(self._ids)}", file_unique_id="u",
                                             file_name=upload.filename, file_size=len(upload.data)))
        if isinstance(method, SendPhoto):
            return Message(message_id=next(self._ids), date=datetime.now(UTC),
                           chat=Chat(id=int(method.chat_id), type="private"),
                           photo=[PhotoSize(file_id=f"p{next(self._ids)}", file_unique_id="u", width=1,
                                            height=1)])
        if isinstance(method, EditMessageText):
            return Message(message_id=int(method.message_id or 0), date=datetime.now(UTC),
                           chat=Chat(id=int(method.chat_id or 0), type="private"), text=method.text)
        if isinstance(method, (AnswerCallbackQuery, SetMyCommands)):
            return True
        if isinstance(method, GetMe):
            return User(id=BOT_ID, is_bot=True, first_name="Bina", username="bina_test_bot")
        raise AssertionError(f"unexpected Bot API call {type(method).__name__}")

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError
        yield b""

    async def close(self) -> None:
        pass


class RecordingSession(LocalBotAPI):
    """Keeps every call; a chat in `blocked` gets Telegram's 403."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self.blocked: set[int] = set()

    def record(self, method: TelegramMethod[Any]) -> None:
        self.calls.append(method)
        if isinstance(method, SendMessage) and method.chat_id in self.blocked:
            raise TelegramForbiddenError(method=method, message="Forbidden: bot was blocked by the user")

    def sent(self) -> list[SendMessage]:
        return [c for c in self.calls if isinstance(c, SendMessage)]

    def documents(self, chat_id: int) -> list[BufferedInputFile]:
        """The files sent to a chat, oldest first (name in .filename, bytes in .data)."""
        return [c.document for c in self.calls if isinstance(c, SendDocument) and c.chat_id == chat_id
                and isinstance(c.document, BufferedInputFile)]

    def edits(self, chat_id: int) -> list[str]:
        """The texts of messages edited in a chat (a job's count), oldest first."""
        return [c.text for c in self.calls if isinstance(c, EditMessageText) and c.chat_id == chat_id]

    def photos(self, chat_id: int) -> list[BufferedInputFile]:
        return [c.photo for c in self.calls if isinstance(c, SendPhoto) and c.chat_id == chat_id
                and isinstance(c.photo, BufferedInputFile)]


_update_ids = itertools.count(10_000)


def _user(user_id: int, lang: str = "id") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": lang}


def message_update(user_id: int, text: str | None = None, *, update_id: int | None = None,
                   lang: str = "id", **content: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_update_ids), "date": 1795000000,
        "chat": {"id": user_id, "type": "private"}, "from": _user(user_id, lang),
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    message.update(content)
    return {"update_id": update_id if update_id is not None else next(_update_ids), "message": message}


def callback_update(user_id: int, data: str, *, update_id: int | None = None) -> dict[str, Any]:
    return {
        "update_id": update_id if update_id is not None else next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)), "from": _user(user_id), "chat_instance": "ci",
            "data": data,
            "message": {"message_id": 1, "date": 1795000000, "chat": {"id": user_id, "type": "private"},
                        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bina"}, "text": "…"},
        },
    }


STICKER = {"sticker": {"file_id": "CAAC", "file_unique_id": "u1", "type": "regular", "width": 512,
                       "height": 512, "is_animated": False, "is_video": False}}
PHOTO = {"photo": [{"file_id": "AgAD", "file_unique_id": "u2", "width": 90, "height": 90}]}
VOICE = {"voice": {"file_id": "AwAD", "file_unique_id": "u3", "duration": 2}}


def contact(phone: str, user_id: int | None) -> dict[str, Any]:
    c: dict[str, Any] = {"phone_number": phone, "first_name": "X"}
    if user_id is not None:
        c["user_id"] = user_id
    return {"contact": c}


class Harness:
    """The real dispatcher over a real database, with Telegram recorded."""

    def __init__(self, db: Database, clock: Any, programs: tuple[str, ...] = DEFAULT_PROGRAMS) -> None:
        self.session = RecordingSession()
        self.bot = Bot("42:TEST", session=self.session)
        self.catalogs = Catalogs()
        self.bina = Bina(db, load_specs(programs=list(programs)), clock)
        self.dp = build_dispatcher(self.bina, self.catalogs)
        # The real outbox sender, without Telegram's pace (tests do not wait).
        self.outbox = OutboxSender(db, self.bot, self.catalogs, clock, rate=None, per_chat=None,
                                   relevance=relevance(self.bina.specs))

    async def feed(self, update: dict[str, Any]) -> list[SendMessage]:
        """The update, then whatever it queued for others, as the sender sends it."""
        before = len(self.session.calls)
        await self.dp.feed_raw_update(self.bot, update)
        await self.outbox.drain()
        return [c for c in self.session.calls[before:] if isinstance(c, SendMessage)]

    async def say(self, user_id: int, text: str | None = None, **content: Any) -> list[SendMessage]:
        return await self.feed(message_update(user_id, text, **content))

    async def press(self, user_id: int, data: str) -> list[SendMessage]:
        return await self.feed(callback_update(user_id, data))

    def buttons(self, chat_id: int) -> dict[str, str]:
        """Label -> callback data of the last inline keyboard sent to a chat."""
        for call in reversed(self.session.sent()):
            markup = call.reply_markup
            if call.chat_id == chat_id and markup is not None and hasattr(markup, "inline_keyboard"):
                return {b.text: b.callback_data or "" for row in markup.inline_keyboard for b in row}
        return {}

    def sent_button(self, chat_id: int, label_part: str, text_part: str = "") -> str:
        """A button of any message sent to a chat (newest first), e.g. a coach's
        notification that is no longer the last message."""
        for m in reversed(self.session.sent()):
            if m.chat_id != chat_id or text_part not in (m.text or "") or m.reply_markup is None:
                continue
            for row in getattr(m.reply_markup, "inline_keyboard", []):
                for b in row:
                    if label_part in b.text:
                        return str(b.callback_data)
        raise AssertionError(f"no button with {label_part!r} sent to {chat_id}")

    def button(self, chat_id: int, label_part: str) -> str:
        matches = [d for label, d in self.buttons(chat_id).items() if label_part in label]
        assert matches, f"no button with {label_part!r} in {list(self.buttons(chat_id))}"
        return matches[0]


def texts(messages: list[SendMessage]) -> str:
    return "\n".join(m.text for m in messages)
