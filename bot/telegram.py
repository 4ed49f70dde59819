"""Telegram adapter: updates become engine events, results become Bot API calls.

One handler per kind of update; everything else lives in `core.Bina` and its handlers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
    Update,
)

from bot.core import Bina
from bot.i18n import LANGUAGES, Catalogs
from bot.jobs import Job, run_job
from bot.render import reply_text, split_text
from bot.turn import CommandsChanged, Outgoing, Result, Sender
from flows.events import (
    ENGLISH_NAMES,
    ChoicePicked,
    ContactShared,
    Event,
    NonTextReceived,
    TextReceived,
    command_received,
)
from flows.messages import Msg, Reply
from storage import repo

log = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 3
MAX_RETRY_WAIT = 30

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


def message_event(message: Message) -> Event:
    if message.contact is not None:
        return ContactShared(message.contact.phone_number, message.contact.user_id)
    text = message.text
    if text is None:
        return NonTextReceived(str(message.content_type))
    if text.startswith("/"):
        head, _, args = text[1:].partition(" ")
        name = head.split("@", 1)[0]
        if name:
            return command_received(name, args)
    return TextReceived(text)


def reply_markup(catalogs: Catalogs, reply: Reply, lang: str) -> Markup:
    """Inline buttons, the one-tap contact keyboard, or taking it away."""
    if reply.buttons:
        return InlineKeyboardMarkup(inline_keyboard=[
            [InlineKeyboardButton(text=catalogs.render(b.text, lang), callback_data=b.data) for b in row]
            for row in reply.buttons if row
        ])
    if reply.request_contact:
        button = KeyboardButton(text=catalogs.text(lang, "start.share_button"), request_contact=True)
        return ReplyKeyboardMarkup(keyboard=[[button]], resize_keyboard=True, one_time_keyboard=True)
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


class TelegramOutput:
    """Renders results for Telegram and sends them."""

    def __init__(self, bot: Bot, app: Bina, catalogs: Catalogs) -> None:
        self.bot = bot
        self.app = app
        self.catalogs = catalogs

    async def send(self, out: Outgoing) -> None:
        if out.job is not None:
            await self._run(out, out.job)
            return
        chunks = split_text(reply_text(self.catalogs, out.reply, out.lang))
        for i, chunk in enumerate(chunks):
            markup = reply_markup(self.catalogs, out.reply, out.lang) if i == len(chunks) - 1 else None
            await self._send_one(out.chat_id, chunk, markup)
        doc = out.reply.document
        if doc is not None:
            upload = BufferedInputFile(doc.content, doc.filename)
            await (self.bot.send_photo(out.chat_id, upload) if doc.image
                   else self.bot.send_document(out.chat_id, upload))

    async def _run(self, out: Outgoing, job: Job) -> None:
        """The reply with the job's count under it, edited as it grows, then the file."""
        head = reply_text(self.catalogs, out.reply, out.lang)

        def text(line: Msg) -> str:
            return f"{head}\n\n{self.catalogs.render(line, out.lang)}"

        shown = await self.bot.send_message(out.chat_id, text(job.progress(0)))

        async def show(line: Msg) -> None:
            try:
                await self.bot.edit_message_text(text(line), chat_id=out.chat_id, message_id=shown.message_id)
            except TelegramAPIError:  # a count not shown is no reason to stop the work
                log.warning("could not update the progress in chat %s", out.chat_id)

        try:
            content = await run_job(job, lambda done: show(job.progress(done)))
        except Exception:
            log.exception("job %s failed", job.filename)
            await show(Msg("job.failed"))
            return
        await show(job.finished())
        await self.bot.send_document(out.chat_id, BufferedInputFile(content, job.filename))

    async def _send_one(self, chat_id: int, text: str, markup: Markup) -> None:
        for attempt in range(MAX_SEND_ATTEMPTS):
            try:
                await self.bot.send_message(chat_id, text, reply_markup=markup)
                return
            except TelegramRetryAfter as e:
                if attempt + 1 == MAX_SEND_ATTEMPTS:
                    raise
                # A reply is worth a short wait, not a handler held for minutes.
                await asyncio.sleep(min(e.retry_after, MAX_RETRY_WAIT))

    async def deliver(self, result: Result) -> None:
        for out in result.messages:
            try:
                await self.send(out)
            except TelegramForbiddenError:
                log.warning("chat %s has blocked the bot; message not delivered", out.chat_id)
                await self.app.mark_blocked(out.chat_id)
            except TelegramAPIError:
                log.exception("could not send a message to chat %s", out.chat_id)
        for change in result.commands_changed:
            await set_chat_commands(self.bot, self.catalogs, change)


def command_list(catalogs: Catalogs, lang: str, is_coach: bool, roles: frozenset[str]) -> list[BotCommand]:
    names = ["isi", "status", "jp", "riwayat", "program", "dokumen"]
    if is_coach or "coach_profesi" in roles:
        names += ["tinjau", "coachee"]
    if roles & {"pic", "koordinator", "pembina"}:
        names += ["belum_isi", "rekap", "jpl", "ingatkan", "ekspor"]
    if "pembina" in roles:
        names += ["laporan", "audit"]
    names += ["verifikasi", "pengingat", "bantuan", "bahasa", "batal"]
    shown = ENGLISH_NAMES if lang == "en" else {}
    return [BotCommand(command=shown.get(n, n), description=catalogs.text(lang, f"cmd.{n}")) for n in names]


async def set_default_commands(bot: Bot, catalogs: Catalogs) -> None:
    """Commands everyone sees, per language (Indonesian is the default list)."""
    for lang in LANGUAGES:
        try:
            await bot.set_my_commands(
                command_list(catalogs, lang, False, frozenset()), scope=BotCommandScopeDefault(),
                language_code=None if lang == "id" else lang,
            )
        except TelegramAPIError:
            log.exception("setMyCommands (default, %s) failed; continuing", lang)


async def set_chat_commands(bot: Bot, catalogs: Catalogs, change: CommandsChanged) -> None:
    try:
        await bot.set_my_commands(
            command_list(catalogs, change.lang, change.is_coach, change.roles),
            scope=BotCommandScopeChat(chat_id=change.chat_id),
        )
    except TelegramAPIError:
        log.exception("setMyCommands for chat %s failed; continuing", change.chat_id)


class ChatOrder(BaseMiddleware):
    """Polling and the webhook hand each update to its own task, so two quick
    messages of one person could overtake each other (the database row lock
    serialises them, but in whatever order they reach it). Each chat's updates
    wait here for the one before, in the order they arrived in this process;
    different chats never wait."""

    def __init__(self) -> None:
        self._last: dict[int, asyncio.Future[None]] = {}

    async def __call__(self, handler: Callable[[Update, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        chat = _chat_of(event)
        if chat is None:
            return await handler(event, data)  # type: ignore[arg-type]
        before = self._last.get(chat)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[chat] = mine
        try:
            if before is not None:
                await before
            return await handler(event, data)  # type: ignore[arg-type]
        finally:
            mine.set_result(None)
            if self._last.get(chat) is mine:
                del self._last[chat]


def _chat_of(event: TelegramObject) -> int | None:
    if not isinstance(event, Update):
        return None
    if event.message and event.message.from_user:
        return event.message.from_user.id
    if event.callback_query:
        return event.callback_query.from_user.id
    return None


def build_dispatcher(app: Bina, catalogs: Catalogs, queued: Callable[[], None] | None = None) -> Dispatcher:
    """`queued` is called after an update queued messages for others (to wake the sender)."""
    router = Router(name="bina")

    async def deliver(bot: Bot, result: Result) -> None:
        if result.queued and queued is not None:
            queued()
        await TelegramOutput(bot, app, catalogs).deliver(result)

    router.message.filter(F.chat.type == ChatType.PRIVATE)

    @router.message()
    async def on_message(message: Message, bot: Bot, event_update: Update) -> None:
        if message.from_user is None:
            return
        sender = Sender(message.from_user.id, message.chat.id, message.from_user.language_code)
        result = await app.handle(event_update.update_id, sender, message_event(message))
        await deliver(bot, result)

    @router.callback_query()
    async def on_callback(query: CallbackQuery, bot: Bot, event_update: Update) -> None:
        try:
            await query.answer()
        except TelegramAPIError:
            log.warning("answerCallbackQuery failed for %s", query.id)
        chat_id = query.message.chat.id if query.message else query.from_user.id
        sender = Sender(query.from_user.id, chat_id, query.from_user.language_code)
        result = await app.handle(event_update.update_id, sender, ChoicePicked(query.data or ""))
        await deliver(bot, result)

    dp = Dispatcher()
    dp.update.outer_middleware(ChatOrder())
    dp.include_router(router)
    return dp


async def register_commands(bot: Bot, app: Bina, catalogs: Catalogs) -> None:
    """Default lists, then each linked coach's or admin's own list; and the
    bot's @username, where the settings did not give it."""
    if app.settings.bot_username is None:
        me = await bot.get_me()
        app.settings = replace(app.settings, bot_username=me.username)
    await set_default_commands(bot, catalogs)
    async with app.db.transaction() as s:
        people = await repo.linked_people(s)
        coaches = await repo.coach_ids(s)
    for p in people:
        if p.telegram_id is None or not (p.id in coaches or p.roles):
            continue
        change = CommandsChanged(p.telegram_id, p.locale or app.default_locale, p.roles, p.id in coaches)
        await set_chat_commands(bot, catalogs, change)


