"""Linking an account, help, language, and the commands everyone has."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.documents import VERIFY_START
from bot.handlers import documents
from bot.turn import CommandsChanged, Outgoing, Result, Sender, Settings, Turn
from flows.access import monitoring_scope
from flows.callbacks import PickLanguage, pack
from flows.conversation import State
from flows.events import CommandReceived, ContactShared, Event
from flows.messages import Button, Msg, Reply, say
from flows.roster import normalize_phone
from storage import repo
from storage.repo import Person, Redeem

# What the link in a document's QR code starts the bot with (bot.documents.verify_target).

# --- people not yet linked ----------------------------------------------------


async def unregistered(
    app: Settings, s: AsyncSession, sender: Sender, event: Event, now: datetime,
    recent: tuple[int, ...],
) -> Result:
    lang = app.lang(sender.language_code)

    async def welcome(person: Person) -> Result:
        # The linking update counts as handled for the new conversation.
        await repo.save_conversation(s, person.id, None, recent, now)
        return await _welcome(s, person, sender, lang)

    def reply(r: Reply) -> Result:
        return Result([Outgoing(sender.chat_id, lang, r)])

    code = verify_code(event)
    if code is not None:  # anyone may check a document, with or without an account
        return reply(Reply(tuple(await documents.verification(s, code, ZoneInfo(app.default_timezone)))))
    if isinstance(event, CommandReceived) and event.name == "start" and event.args.strip():
        outcome, person = await repo.redeem_invite(s, event.args.strip(), sender.telegram_id, lang, now)
        if outcome is Redeem.OK and person is not None:
            return await welcome(person)
        return reply(Reply((Msg(f"start.code_{outcome.value}"),), request_contact=True))
    if isinstance(event, ContactShared):
        if event.contact_user_id != sender.telegram_id:
            return reply(Reply((Msg("start.contact_not_own"),), request_contact=True))
        phone = normalize_phone(event.phone)
        matches = await repo.people_by_phone(s, phone) if phone else []
        free = [p for p in matches if p.telegram_id is None]
        if len(matches) == 1 and free:
            await repo.link_telegram(s, free[0].id, sender.telegram_id, lang, now)
            person = await repo.person_by_id(s, free[0].id)
            assert person is not None
            return await welcome(person)
        key = "start.contact_taken" if matches and not free else "start.contact_unknown"
        return reply(say(key))
    key = "start.share_contact" if isinstance(event, CommandReceived) and event.name == "start" \
        else "start.unregistered"
    return reply(Reply((Msg(key),), request_contact=True))


async def _welcome(s: AsyncSession, person: Person, sender: Sender, lang: str) -> Result:
    is_coach = bool(await repo.coachees_of(s, person.id))
    coach = await repo.person_by_id(s, person.coach_id) if person.coach_id else None
    lines = [Msg("start.welcome", {"name": person.nama})]
    lines.append(Msg("start.coach", {"coach": coach.nama}) if coach else Msg("start.no_coach"))
    lines.append(Msg("start.next"))
    return Result(
        [Outgoing(sender.chat_id, lang, Reply(tuple(lines), remove_keyboard=True))],
        [CommandsChanged(sender.chat_id, lang, person.roles, is_coach)],
    )


# --- everyone's commands ---------------------------------------------------------


def verify_code(event: Event) -> str | None:
    """The code to verify: of /verifikasi CODE, or of the link in a
    document's QR code (/start v_CODE); None for anything else."""
    if not isinstance(event, CommandReceived):
        return None
    if event.name == "verifikasi":
        return event.args
    if event.name == "start" and event.args.startswith(VERIFY_START):
        return event.args.removeprefix(VERIFY_START)
    return None


async def start(t: Turn, state: State, args: str) -> State:
    if args.startswith(VERIFY_START):
        return await documents.verify(t, state, args.removeprefix(VERIFY_START))
    t.say("start.already_linked_code" if args else "start.already_linked", name=t.person.nama)
    return state


async def help_(t: Turn, state: State, args: str) -> State:
    lines = [Msg("help.everyone"), Msg("help.coachee")]
    if any(a.schedule.kind == "log" for p in t.specs.programs.values() for a in p.activities):
        lines.append(Msg("help.logs"))
    if await repo.coachees_of(t.s, t.person.id) or "coach_profesi" in t.person.roles:
        lines.append(Msg("help.coach"))
    if monitoring_scope(t.person.roles, t.person.unit_id, t.person.unit_utama_id):
        lines += [Msg("help.monitor"), Msg("help.monitor_more")]
    t.reply(Reply(tuple(lines)))
    return state


async def cancel_idle(t: Turn, state: State, args: str) -> State:
    t.say("cancel.nothing")
    return state


async def language(t: Turn, state: State, args: str) -> State:
    choice = args.lower()[:2]
    if choice in ("id", "en"):
        return await set_language(t, state, choice)
    t.reply(Reply((Msg("language.pick"),), ((
        Button(Msg("language.id"), pack(PickLanguage("id"))),
        Button(Msg("language.en"), pack(PickLanguage("en"))),
    ),)))
    return state


async def picked_language(t: Turn, state: State, cb: PickLanguage) -> State:
    if cb.lang not in ("id", "en"):
        t.say("error.stale_button")
        return state
    return await set_language(t, state, cb.lang)


async def set_language(t: Turn, state: State, lang: str) -> State:
    await repo.set_locale(t.s, t.person.id, lang, t.now)
    t.lang = lang
    t.say("language.set")
    is_coach = bool(await repo.coachees_of(t.s, t.person.id))
    t.result.commands_changed.append(CommandsChanged(t.sender.chat_id, lang, t.person.roles, is_coach))
    return state
