"""What a handler works with: one registered person's update, inside one
database transaction, and what it will say."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Catalogs
from bot.jobs import Job
from flows import conversation
from flows.conversation import Context, ReviewCommentState, State
from flows.form_engine import FormState
from flows.messages import Msg, Reply, reply_to_json
from flows.spec import Activity, SpecSet
from storage.repo import Person, SubmissionRecord
from storage.repo.outbox import Queued


@dataclass(frozen=True, slots=True)
class Sender:
    telegram_id: int
    chat_id: int
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    chat_id: int
    lang: str
    reply: Reply
    job: Job | None = None


@dataclass(frozen=True, slots=True)
class CommandsChanged:
    """The person's role or language changed: re-register their commands."""

    chat_id: int
    lang: str
    roles: frozenset[str]
    is_coach: bool


@dataclass
class Result:
    """Replies to the person who wrote (sent after commit); messages to
    anyone else went into the outbox with the change, `queued` of them."""

    messages: list[Outgoing] = field(default_factory=list)
    commands_changed: list[CommandsChanged] = field(default_factory=list)
    queued: int = 0


@dataclass(frozen=True, slots=True)
class Settings:
    """What every turn needs from the application's set-up."""

    specs: SpecSet
    catalogs: Catalogs
    default_timezone: str = "Asia/Jakarta"
    default_locale: str = "id"
    # The bot's @username, for links that open it (a document's QR code).
    bot_username: str | None = None

    def timezone_of(self, person: Person) -> str:
        return person.timezone or self.default_timezone

    def lang(self, code: str | None) -> str:
        return self.catalogs.lang(code or self.default_locale)


class Turn:
    def __init__(self, app: Settings, s: AsyncSession, person: Person, sender: Sender,
                 now: datetime, cause: str | None = None) -> None:
        self.app = app
        self.specs = app.specs
        self.s = s
        self.person = person
        self.sender = sender
        self.now = now
        self.lang = person.locale or app.lang(sender.language_code)
        self.zone = ZoneInfo(app.timezone_of(person))
        self.today: date = now.astimezone(self.zone).date()
        self.result = Result()
        # What caused this turn (the update), so a notice it queues has a key
        # that the same update handled again would repeat, not add to.
        self.cause = cause or uuid.uuid4().hex
        self.queued: list[Queued] = []

    def reply(self, *replies: Reply) -> None:
        self.result.messages.extend(Outgoing(self.sender.chat_id, self.lang, r) for r in replies)

    def run(self, reply: Reply, job: Job) -> None:
        """Show `reply` with the job's progress under it, then send its file."""
        self.result.messages.append(Outgoing(self.sender.chat_id, self.lang, reply, job))

    def say(self, key: str, **params: object) -> None:
        self.reply(Reply((Msg(key, params),)))

    def notify(self, to: Person, reply: Reply, kind: str = "notice") -> None:
        """A message to someone else: queued in the outbox with this turn's
        change, sent by the outbox sender."""
        if to.telegram_id is None:
            return
        key = f"{kind}:{self.cause}:{to.id}:{len(self.queued)}"
        self.queued.append(Queued(key, to.id, kind, reply_to_json(reply), self.now))

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def activity_of(self, program_id: str, activity_id: str) -> Activity | None:
        """The activity's spec, or None once its program is no longer active."""
        program = self.specs.programs.get(program_id)
        return program.find(activity_id) if program else None

    def activity_title(self, program_id: str, activity_id: str) -> Msg:
        """An activity's name; still readable when its program is no longer active."""
        activity = self.activity_of(program_id, activity_id)
        return Msg(activity.title) if activity else Msg("stage.unknown", {"stage": activity_id})

    def record_title(self, record: SubmissionRecord) -> Msg:
        """A form's name; for a log entry with its number and day ("Coaching ke-2 (03/11/2026)")."""
        title = self.activity_title(record.program, record.activity)
        if record.occurrence:
            return Msg("history.entry", {"stage": title, "n": record.occurrence, "day": record.day or "-"})
        return title

    def context(self) -> Context:
        """The engine's view of this person: their zone, the specs, their words."""
        return Context(self.specs.forms, self.app.timezone_of(self.person), self.specs.programs,
                       lambda key: self.text(Msg(key)))

    def form_to_resume(self, state: State) -> FormState | None:
        """The person's own form that an interruption (a review, a request) leaves waiting."""
        if isinstance(state, FormState):
            return state
        return state.resume if isinstance(state, ReviewCommentState) else None

    def back_to_form(self, state: State) -> State:
        """After an interruption: the person's own form again, where it was."""
        if not isinstance(state, FormState):
            return state
        back = conversation.resume_form(state, self.context(), self.now)
        self.reply(*back.replies)
        resumed: State = back.state
        return resumed

    def text(self, msg: Msg) -> str:
        """A message in the reader's language (to match what they typed, or for a file)."""
        return self.app.catalogs.render(msg, self.lang)
