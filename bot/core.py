"""The application: one update in, messages out.

Platform-neutral (no aiogram here): the Telegram adapter and the terminal
demo both call `Bina.handle`. Each update is one database transaction: the
update id is claimed, the person's conversation row is locked, the engine
steps, its commands are executed through the handlers, and the new state
saved. Messages are returned, not sent, so nothing goes out for a
rolled-back step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.handlers import BUTTONS, COMMANDS, account, forms, pairing, review
from bot.i18n import Catalogs
from bot.turn import Outgoing, Result, Sender, Settings, Turn
from flows import conversation
from flows.callbacks import unpack
from flows.conversation import ReviewCommentState, State
from flows.events import (
    Command,
    DeclineRequest,
    Event,
    HandleChoice,
    ReturnForm,
    RunCommand,
    SaveDraft,
    SubmitForm,
)
from flows.form_engine import FormState
from flows.messages import say
from flows.spec import SpecSet
from storage import repo
from storage.db import Database

log = logging.getLogger(__name__)

DB_ERRORS = (OperationalError, DBAPIError, PoolTimeout, OSError, ConnectionError)


class Bina:
    def __init__(
        self,
        db: Database,
        specs: SpecSet,
        clock: Callable[[], datetime],
        default_timezone: str = "Asia/Jakarta",
        default_locale: str = "id",
        catalogs: Catalogs | None = None,
        bot_username: str | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = Settings(specs, catalogs or Catalogs(), default_timezone, default_locale,
                                 bot_username)

    @property
    def specs(self) -> SpecSet:
        return self.settings.specs

    @specs.setter
    def specs(self, specs: SpecSet) -> None:
        self.settings = replace(self.settings, specs=specs)

    @property
    def default_locale(self) -> str:
        return self.settings.default_locale

    async def handle(self, update_id: int | None, sender: Sender, event: Event) -> Result:
        try:
            try:
                return await self._handle(update_id, sender, event)
            except IntegrityError:
                # Two updates raced to create the same row; the loser's
                # transaction is rolled back whole, so running it again is safe.
                log.info("update %s lost a race for a new row; running it again", update_id)
                return await self._handle(update_id, sender, event)
        except DB_ERRORS:
            log.exception("database unavailable while handling update %s", update_id)
            lang = self.settings.lang(sender.language_code)
            return Result([Outgoing(sender.chat_id, lang, say("error.db_unavailable"))])

    async def _handle(self, update_id: int | None, sender: Sender, event: Event) -> Result:
        now = self.clock()
        recent_new = () if update_id is None else (update_id,)
        async with self.db.transaction() as s:
            found = await repo.open_turn(s, sender.telegram_id, now)
            if found is None:
                return await account.unregistered(self.settings, s, sender, event, now, recent_new)
            if update_id is not None and update_id in found.recent_updates:
                log.info("update %s already handled", update_id)
                return Result()
            if found.person.blocked:
                await repo.set_blocked(s, sender.telegram_id, None)
            cause = None if update_id is None else f"u{update_id}"
            turn = Turn(self.settings, s, found.person, sender, now, cause)
            await _run(turn, event, found.state, found.recent_updates + recent_new)
            turn.result.queued = await repo.outbox.enqueue(s, turn.queued, now)
            return turn.result

    async def mark_blocked(self, telegram_id: int) -> None:
        try:
            async with self.db.transaction() as s:
                await repo.set_blocked(s, telegram_id, self.clock())
        except DB_ERRORS:
            log.exception("could not record that chat %s blocked the bot", telegram_id)


async def _run(t: Turn, event: Event, stored: dict[str, Any] | None, recent: tuple[int, ...]) -> None:
    state = conversation.state_from_json(stored)
    step = conversation.step(state, event, t.context(), t.now)
    t.reply(*step.replies)
    new_state: State = step.state
    # While a form is open its draft lives in the conversation row, written
    # at every step anyway; the submission row gets it when the form is left.
    form = step.state if isinstance(step.state, FormState) else state
    draft = SaveDraft(form.submission_id, form.answers, form.cursor) if isinstance(form, FormState) else None
    for cmd in step.commands:
        if isinstance(cmd, SaveDraft | SubmitForm):
            draft = cmd if isinstance(cmd, SaveDraft) else None
        new_state = await _execute(t, new_state, cmd)
    held = isinstance(new_state, FormState) and draft is not None \
        and new_state.submission_id == draft.submission_id
    # The first answer makes the form a draft that monitoring shows; later
    # answers wait in the conversation row until the form is left.
    answered = isinstance(state, FormState) and draft is not None \
        and dict(draft.answers) != dict(state.answers)
    first_answer = answered and isinstance(state, FormState) and not state.started
    if draft is not None and (first_answer or not held) and isinstance(form, FormState):
        started = form.started or answered
        await repo.save_draft(t.s, draft.submission_id, dict(draft.answers), draft.cursor,
                              form.spec_version, t.now, started)
    if first_answer and isinstance(new_state, FormState) and held:
        new_state = replace(new_state, started=True)
    side_command = any(isinstance(c, RunCommand) and c.name != "isi" for c in step.commands)
    still_open = isinstance(state, FormState) and isinstance(new_state, FormState)
    if side_command and still_open:
        t.say("form.still_open")
    elif side_command and isinstance(state, ReviewCommentState) and isinstance(new_state, ReviewCommentState):
        # The next text will be taken as the reason: say so after any other command.
        t.say("review.still_writing")
    elif still_open and any(isinstance(c, HandleChoice) for c in step.commands) \
            and isinstance(new_state, FormState):
        # A button of another message (a coach confirming, say) was handled
        # in the middle of the person's own form: bring the question back.
        back = conversation.resume_form(new_state, t.context(), t.now)
        t.reply(*back.replies)
    await repo.save_conversation(t.s, t.person.id, conversation.state_to_json(new_state), recent, t.now)


async def _execute(t: Turn, state: State, cmd: Command) -> State:
    if isinstance(cmd, SaveDraft):
        return state  # see _run(): drafts are written when the form is left
    if isinstance(cmd, SubmitForm):
        await forms.submit(t, cmd)
        return state
    if isinstance(cmd, ReturnForm):
        return await review.return_form(t, state, cmd)
    if isinstance(cmd, DeclineRequest):
        return await pairing.decline(t, state, cmd)
    if isinstance(cmd, RunCommand):
        handler = COMMANDS.get(cmd.name)
        if handler is None:
            t.say("error.unknown_command", command=cmd.name)
            return state
        return await handler(t, state, cmd.args.strip())
    if isinstance(cmd, HandleChoice):
        payload = unpack(cmd.data)
        pressed = BUTTONS.get(type(payload))
        if pressed is None:
            t.say("error.stale_button")
            return state
        return await pressed(t, state, payload)
    raise TypeError(cmd)
