"""The application: one update in, messages out.

Platform-neutral (no aiogram here): the Telegram adapter and the terminal
demo both call `Bina.handle`. Each update is one database transaction: the
update id is claimed, the person's conversation row is locked, the engine
steps, its commands are executed through storage, and the new state saved.
Messages are returned, not sent, so nothing goes out for a rolled-back step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession

from flows import conversation, form_engine
from flows.access import monitoring_scope
from flows.conversation import Context, State
from flows.events import (
    Command,
    CommandReceived,
    ContactShared,
    Event,
    HandleChoice,
    ReturnForm,
    RunCommand,
    SaveDraft,
    SubmitForm,
)
from flows.form_engine import FormState
from flows.messages import Button, Msg, Reply, say
from flows.program import JP_RIGHT_PER_YEAR, Status, current_stage, due_stage, jp_earned, windows
from flows.roster import normalize_phone
from flows.spec import ProgramSpec, SpecSet
from storage import repo
from storage.db import Database
from storage.repo import Person, Redeem, SubmissionRecord

log = logging.getLogger(__name__)

PAGE_CHARS = 3500  # leaves room under Telegram's 4096 for header and footer
ROW_OVERHEAD = 45  # numbering, separators and the longest status label of a row
UNIT_OVERHEAD = 6  # the unit header's icon and line break
DB_ERRORS = (OperationalError, DBAPIError, PoolTimeout, OSError, ConnectionError)


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
    # Set for messages to someone other than the sender (e.g. the coach).
    # Whoever the recipient, a 403 on delivery is logged and marks them as
    # having blocked the bot; writing to the bot again clears the mark.
    notification: bool = False


@dataclass(frozen=True, slots=True)
class CommandsChanged:
    """The person's role or language changed: re-register their commands."""

    chat_id: int
    lang: str
    roles: frozenset[str]
    is_coach: bool


@dataclass
class Result:
    messages: list[Outgoing] = field(default_factory=list)
    commands_changed: list[CommandsChanged] = field(default_factory=list)


class Bina:
    def __init__(
        self,
        db: Database,
        specs: SpecSet,
        clock: Callable[[], datetime],
        default_timezone: str = "Asia/Jakarta",
        default_locale: str = "id",
    ) -> None:
        self.db = db
        self.specs = specs
        self.clock = clock
        self.default_timezone = default_timezone
        self.default_locale = default_locale

    # --- entry point -------------------------------------------------------------

    async def handle(self, update_id: int | None, sender: Sender, event: Event) -> Result:
        now = self.clock()
        try:
            async with self.db.transaction() as s:
                found = await repo.open_turn(s, sender.telegram_id, now)
                if found is None:
                    return await self._unregistered(s, sender, event, now, update_id)
                if update_id is not None and update_id in found.recent_updates:
                    log.info("update %s already handled", update_id)
                    return Result()
                if found.person.blocked:
                    await repo.set_blocked(s, sender.telegram_id, None)
                turn = _Turn(self, s, found.person, sender, now)
                recent = found.recent_updates + _ids(update_id)
                await turn.run(event, found.state, recent)
                return turn.result
        except DB_ERRORS:
            log.exception("database unavailable while handling update %s", update_id)
            lang = self._lang(sender.language_code)
            return Result([Outgoing(sender.chat_id, lang, say("error.db_unavailable"))])

    async def mark_blocked(self, telegram_id: int) -> None:
        try:
            async with self.db.transaction() as s:
                await repo.set_blocked(s, telegram_id, self.clock())
        except DB_ERRORS:
            log.exception("could not record that chat %s blocked the bot", telegram_id)

    def _lang(self, code: str | None) -> str:
        if code and code[:2].lower() in ("id", "en"):
            return code[:2].lower()
        return self.default_locale

    def timezone_of(self, person: Person) -> str:
        return person.timezone or self.default_timezone

    def today(self, person: Person, now: datetime) -> date:
        return now.astimezone(ZoneInfo(self.timezone_of(person))).date()

    # --- people not yet linked ----------------------------------------------------

    async def _unregistered(
        self, s: AsyncSession, sender: Sender, event: Event, now: datetime, update_id: int | None
    ) -> Result:
        lang = self._lang(sender.language_code)

        async def welcome(person: Person) -> Result:
            # The linking update counts as handled for the new conversation.
            await repo.save_conversation(s, person.id, None, _ids(update_id), now)
            return await self._welcome(s, person, sender, lang)

        def reply(r: Reply) -> Result:
            return Result([Outgoing(sender.chat_id, lang, r)])

        if isinstance(event, CommandReceived) and event.name == "start" and event.args.strip():
            outcome, person = await repo.redeem_invite(
                s, event.args.strip(), sender.telegram_id, lang, now
            )
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
        if isinstance(event, CommandReceived) and event.name in ("bahasa", "language", "bantuan", "help"):
            return reply(Reply((Msg("start.unregistered"),), request_contact=True))
        key = "start.share_contact" if isinstance(event, CommandReceived) and event.name == "start" \
            else "start.unregistered"
        return reply(Reply((Msg(key),), request_contact=True))

    async def _welcome(self, s: AsyncSession, person: Person, sender: Sender, lang: str) -> Result:
        is_coach = bool(await repo.coachees_of(s, person.id))
        coach = await repo.person_by_id(s, person.coach_id) if person.coach_id else None
        lines = [Msg("start.welcome", {"name": person.nama})]
        lines.append(Msg("start.coach", {"coach": coach.nama}) if coach else Msg("start.no_coach"))
        lines.append(Msg("start.next"))
        return Result(
            [Outgoing(sender.chat_id, lang, Reply(tuple(lines), remove_keyboard=True))],
            [CommandsChanged(sender.chat_id, lang, person.roles, is_coach)],
        )


class _Turn:
    """One registered person's update, inside one transaction."""

    def __init__(self, app: Bina, s: AsyncSession, person: Person, sender: Sender, now: datetime):
        self.app = app
        self.s = s
        self.person = person
        self.sender = sender
        self.now = now
        self.lang = person.locale or app._lang(sender.language_code)
        self.today = app.today(person, now)
        self.result = Result()

    def reply(self, *replies: Reply) -> None:
        self.result.messages.extend(Outgoing(self.sender.chat_id, self.lang, r) for r in replies)

    def notify(self, to: Person, reply: Reply) -> None:
        if to.telegram_id is None:
            return
        lang = to.locale or self.app.default_locale
        self.result.messages.append(Outgoing(to.telegram_id, lang, reply, notification=True))

    async def run(self, event: Event, stored: dict[str, Any] | None, recent: tuple[int, ...]) -> None:
        state = conversation.state_from_json(stored)
        ctx = Context(self.app.specs.forms, self.app.timezone_of(self.person))
        step = conversation.step(state, event, ctx, self.now)
        self.reply(*step.replies)
        new_state: State = step.state
        # While a form is open its draft lives in the conversation row, written
        # at every step anyway; the submission row gets it when the form is left.
        form = step.state if isinstance(step.state, FormState) else state
        draft = SaveDraft(form.submission_id, form.answers, form.cursor) \
            if isinstance(form, FormState) else None
        for cmd in step.commands:
            if isinstance(cmd, SaveDraft | SubmitForm):
                draft = cmd if isinstance(cmd, SaveDraft) else None
            new_state = await self.execute(new_state, cmd)
        held = isinstance(new_state, FormState) and draft is not None \
            and new_state.submission_id == draft.submission_id
        if draft is not None and not held and isinstance(form, FormState):
            await repo.save_draft(self.s, draft.submission_id, dict(draft.answers), draft.cursor,
                                  form.spec_version, self.now)
        side_command = any(isinstance(c, RunCommand) and c.name != "isi" for c in step.commands)
        if side_command and isinstance(state, FormState) and isinstance(new_state, FormState):
            self.reply(say("form.still_open"))
        await repo.save_conversation(
            self.s, self.person.id, conversation.state_to_json(new_state), recent, self.now
        )

    async def execute(self, state: State, cmd: Command) -> State:
        if isinstance(cmd, SaveDraft):
            return state  # see run(): drafts are written when the form is left
        if isinstance(cmd, SubmitForm):
            await self.submit(cmd)
            return state
        if isinstance(cmd, ReturnForm):
            await self.return_form(cmd)
            return state
        if isinstance(cmd, RunCommand):
            return await self.command(state, cmd.name, cmd.args)
        if isinstance(cmd, HandleChoice):
            return await self.choice(state, cmd.data)
        raise TypeError(cmd)

    # --- slash commands ------------------------------------------------------------

    async def command(self, state: State, name: str, args: str) -> State:
        handlers = {
            "start": self.cmd_start, "bantuan": self.cmd_help, "help": self.cmd_help,
            "batal": self.cmd_cancel_idle, "cancel": self.cmd_cancel_idle,
            "bahasa": self.cmd_language, "language": self.cmd_language,
            "status": self.cmd_status, "isi": self.cmd_fill, "tinjau": self.cmd_review,
            "belum_isi": self.cmd_not_filled,
        }
        handler = handlers.get(name)
        if handler is None:
            self.reply(say("error.unknown_command", command=name))
            return state
        return await handler(state, args.strip())

    async def cmd_start(self, state: State, args: str) -> State:
        if args:
            self.reply(say("start.already_linked_code", name=self.person.nama))
        else:
            self.reply(say("start.already_linked", name=self.person.nama))
        return state

    async def cmd_help(self, state: State, args: str) -> State:
        lines = [Msg("help.everyone"), Msg("help.coachee")]
        if await repo.coachees_of(self.s, self.person.id):
            lines.append(Msg("help.coach"))
        if monitoring_scope(self.person.roles, self.person.unit_id, self.person.unit_utama_id):
            lines.append(Msg("help.monitor"))
        self.reply(Reply(tuple(lines)))
        return state

    async def cmd_cancel_idle(self, state: State, args: str) -> State:
        self.reply(say("cancel.nothing"))
        return state

    async def cmd_language(self, state: State, args: str) -> State:
        choice = args.lower()[:2]
        if choice in ("id", "en"):
            return await self.set_language(state, choice)
        self.reply(Reply((Msg("language.pick"),), ((
            Button(Msg("language.id"), "lang:id"), Button(Msg("language.en"), "lang:en"),
        ),)))
        return state

    async def set_language(self, state: State, lang: str) -> State:
        await repo.set_locale(self.s, self.person.id, lang, self.now)
        self.lang = lang
        self.reply(say("language.set"))
        is_coach = bool(await repo.coachees_of(self.s, self.person.id))
        self.result.commands_changed.append(
            CommandsChanged(self.sender.chat_id, lang, self.person.roles, is_coach)
        )
        return state

    async def cmd_status(self, state: State, args: str) -> State:
        year = self.today.year
        lines: list[Msg] = [Msg("status.title", {"year": year, "name": self.person.nama})]
        for program in self.app.specs.programs.values():
            records = await repo.statuses(self.s, self.person.id, program.id, year)
            lines.append(Msg("status.program", {"program": Msg(program.title)}))
            for w in windows(program, year):
                record = records.get(w.stage.id)
                status = record.status if record else Status.NOT_STARTED
                lines.append(Msg("status.stage", {
                    "stage": Msg(w.stage.title), "opens": w.opens, "closes": w.closes,
                    "status": Msg(f"status.{status.value}"),
                }))
        jp = await repo.jp_total(self.s, self.person.id, year)
        lines.append(Msg("status.jp", {"jp": jp, "target": JP_RIGHT_PER_YEAR}))
        self.reply(Reply(tuple(lines)))
        return state

    async def cmd_fill(self, state: State, args: str) -> State:
        if isinstance(state, FormState):
            spec = self.app.specs.forms[state.form_id]
            current = form_engine.reconcile(state, spec)
            return self.show(replace(current, notice=(*current.notice, Msg("form.resumed"))))
        year = self.today.year
        for program in self.app.specs.programs.values():
            records = await repo.statuses(self.s, self.person.id, program.id, year)
            due = due_stage(program, {k: r.status for k, r in records.items()}, self.today)
            if due is None:
                continue
            spec = self.app.specs.forms[due.stage.form]
            record = records.get(due.stage.id) or await repo.create_draft(
                self.s, self.person.id, program.id, due.stage.id, year, spec.id, spec.version, self.now
            )
            notice: list[Msg] = [Msg("form.opening", {
                "program": Msg(program.title), "stage": Msg(due.stage.title), "form": Msg(spec.title),
            })]
            if due.late:
                closes = due.stage.window.closes.on(year)
                notice.append(Msg("form.late", {"closes": closes}))
            cursor = record.cursor
            if record.status is Status.RETURNED:
                notice.append(Msg("form.returned_notice", {"comment": record.review_comment or "-"}))
                cursor = len(spec.fields)
            elif record.answers:
                notice.append(Msg("form.resumed"))
            form = FormState(record.id, spec.id, record.spec_version, record.answers,
                             min(cursor, len(spec.fields)), False, tuple(notice))
            return self.show(form_engine.reconcile(form, spec))
        waiting = [
            r for p in self.app.specs.programs.values()
            for r in (await repo.statuses(self.s, self.person.id, p.id, year)).values()
            if r.status is Status.SUBMITTED
        ]
        self.reply(say("fill.waiting" if waiting else "fill.nothing_due"))
        return state

    def show(self, form: FormState) -> FormState:
        spec = self.app.specs.forms[form.form_id]
        step = form_engine.show(form, spec, self.today)
        self.reply(*step.replies)
        return replace(form, notice=())

    async def cmd_review(self, state: State, args: str) -> State:
        waiting = await repo.waiting_for(self.s, self.person.id)
        if not waiting:
            self.reply(say("review.none"))
            return state
        lines = [Msg("review.list_title", {"count": len(waiting)})]
        buttons = []
        for i, (record, coachee) in enumerate(waiting, 1):
            stage = self._stage_title(record)
            lines.append(Msg("review.list_item", {
                "n": i, "name": coachee.nama, "stage": stage,
                "date": record.submitted_at.astimezone(ZoneInfo(self.app.timezone_of(self.person))).date()
                if record.submitted_at else "-",
            }))
            buttons.append((Button(Msg("review.open_button", {"n": i, "name": coachee.nama}),
                                   f"rv:{record.id}:v"),))
        self.reply(Reply(tuple(lines), tuple(buttons[:50])))
        return state

    async def cmd_not_filled(self, state: State, args: str) -> State:
        await self.not_filled_page(args, 0)
        return state

    # --- buttons outside a form ---------------------------------------------------

    async def choice(self, state: State, data: str) -> State:
        kind, _, rest = data.partition(":")
        if kind == "lang" and rest in ("id", "en"):
            return await self.set_language(state, rest)
        if kind == "rv":
            return await self.review_choice(state, rest)
        if kind == "bi":
            stage, _, page = rest.partition(":")
            await self.not_filled_page(stage, int(page) if page.isdigit() else 0)
            return state
        self.reply(say("error.stale_button"))
        return state

    # --- submitting and reviewing -------------------------------------------------

    def _stage_title(self, record: SubmissionRecord) -> Msg:
        program = self.app.specs.programs.get(record.program)
        if program is None:
            return Msg("stage.unknown", {"stage": record.stage})
        return Msg(program.stage(record.stage).title)

    def review_message(self, record: SubmissionRecord, coachee: Person) -> Reply:
        spec = self.app.specs.forms[record.form_id]
        form = FormState(record.id, spec.id, record.spec_version, record.answers, len(spec.fields))
        body = form_engine.summary(form, spec, with_buttons=False)
        head = Msg("review.notification", {
            "name": coachee.nama, "nip": coachee.nip, "stage": self._stage_title(record),
        })
        return Reply((head, *body.lines), ((
            Button(Msg("button.confirm"), f"rv:{record.id}:ok"),
            Button(Msg("button.request_fix"), f"rv:{record.id}:fix"),
        ),))

    async def submit(self, cmd: SubmitForm) -> None:
        record = await repo.submission_for_update(self.s, cmd.submission_id)
        if record is None or record.employee_id != self.person.id or \
                record.status in (Status.SUBMITTED, Status.CONFIRMED):
            self.reply(say("error.stale_button"))
            return
        stage = self._stage_title(record)
        stage_spec = self.app.specs.programs[record.program].stage(record.stage)
        if stage_spec.confirmed_by is None:
            # Nobody confirms this stage: sending it completes it.
            jp = jp_earned(stage_spec, cmd.answers)
            await repo.submit(self.s, record.id, dict(cmd.answers), None, self.now)
            await repo.decide(self.s, record.id, Status.CONFIRMED, self.now, jp=jp)
            self.reply(say("form.submitted_done", stage=stage, jp=jp))
            return
        coach = await repo.person_by_id(self.s, self.person.coach_id) if self.person.coach_id else None
        await repo.submit(self.s, record.id, dict(cmd.answers), coach.id if coach else None, self.now)
        if coach is None:
            self.reply(say("form.submitted_no_coach", stage=stage))
            return
        if coach.telegram_id is None:
            self.reply(say("form.submitted_coach_not_joined", stage=stage, coach=coach.nama))
        else:
            self.reply(say("form.submitted", stage=stage, coach=coach.nama))
        submitted = replace(record, answers=dict(cmd.answers), status=Status.SUBMITTED, coach_id=coach.id)
        self.notify(coach, self.review_message(submitted, self.person))

    async def review_choice(self, state: State, rest: str) -> State:
        sid_text, _, action = rest.partition(":")
        record = await repo.submission_for_update(self.s, int(sid_text)) if sid_text.isdigit() else None
        if record is None or record.coach_id != self.person.id:
            self.reply(say("error.stale_button"))
            return state
        if action == "x":
            self.reply(say("review.comment_cancelled"))
            return None if isinstance(state, conversation.ReviewCommentState) else state
        if record.status is not Status.SUBMITTED:
            self.reply(say("review.already_decided", status=Msg(f"status.{record.status.value}")))
            return state
        coachee = await repo.person_by_id(self.s, record.employee_id)
        assert coachee is not None
        if action == "v":
            self.reply(self.review_message(record, coachee))
            return state
        if action == "ok":
            program = self.app.specs.programs[record.program]
            jp = jp_earned(program.stage(record.stage), record.answers)
            await repo.decide(self.s, record.id, Status.CONFIRMED, self.now, jp=jp)
            stage = self._stage_title(record)
            self.reply(say("review.confirmed", name=coachee.nama, stage=stage, jp=jp))
            total = await repo.jp_total(self.s, coachee.id, record.year)
            self.notify(coachee, say("review.confirmed_coachee", stage=stage, coach=self.person.nama,
                                     jp=jp, total=total, target=JP_RIGHT_PER_YEAR))
            return state
        if action == "fix":
            if isinstance(state, FormState):
                self.reply(say("form.paused"))  # run() stores the draft as the form is left
            step = conversation.ask_review_comment(record.id)
            self.reply(*step.replies)
            asking: State = step.state
            return asking
        self.reply(say("error.stale_button"))
        return state

    async def return_form(self, cmd: ReturnForm) -> None:
        record = await repo.submission_for_update(self.s, cmd.submission_id)
        if record is None or record.coach_id != self.person.id or record.status is not Status.SUBMITTED:
            self.reply(say("review.already_decided_plain"))
            return
        await repo.decide(self.s, record.id, Status.RETURNED, self.now, comment=cmd.comment)
        coachee = await repo.person_by_id(self.s, record.employee_id)
        assert coachee is not None
        stage = self._stage_title(record)
        self.reply(say("review.returned", name=coachee.nama, stage=stage))
        self.notify(coachee, say("review.returned_coachee", stage=stage, coach=self.person.nama,
                                 comment=cmd.comment))

    # --- monitoring -----------------------------------------------------------------

    async def not_filled_page(self, stage_arg: str, page: int) -> None:
        scope = monitoring_scope(self.person.roles, self.person.unit_id, self.person.unit_utama_id)
        if scope is None:
            self.reply(say("monitor.not_allowed"))
            return
        program = next(iter(self.app.specs.programs.values()))
        stage_ids = [s.id for s in program.stages]
        if stage_arg:
            if stage_arg not in stage_ids:
                self.reply(say("monitor.unknown_stage", stage=stage_arg, stages=", ".join(stage_ids)))
                return
            stage = program.stage(stage_arg)
        else:
            stage = current_stage(program, self.today) or program.stages[0]
        rows, total = await repo.not_completed(self.s, scope, program.id, stage.id, self.today.year)
        scope_name = await self._scope_name(scope.kind, scope.unit_id)
        header = Msg("monitor.header", {
            "stage": Msg(stage.title), "year": self.today.year,
            "scope": Msg(f"monitor.scope_{scope.kind}", {"name": scope_name}),
        })
        count = Msg("monitor.count", {"pending": len(rows), "total": total})
        if not rows:
            self.reply(Reply((header, Msg("monitor.all_done", {"total": total})),
                             self._stage_buttons(program, stage.id)))
            return
        grouped = scope.kind != "unit_kerja"
        starts = self._page_starts(rows, grouped)
        page = max(0, min(page, len(starts) - 1))
        end = starts[page + 1] if page + 1 < len(starts) else len(rows)
        body = self._page_lines(rows[starts[page]:end], starts[page], grouped)
        pages = starts  # one start per page
        footer = Msg("monitor.page", {"page": page + 1, "pages": len(pages)})
        nav: list[Button] = []
        if page > 0:
            nav.append(Button(Msg("button.prev"), f"bi:{stage.id}:{page - 1}"))
        if page + 1 < len(pages):
            nav.append(Button(Msg("button.next"), f"bi:{stage.id}:{page + 1}"))
        buttons = ((tuple(nav),) if nav else ()) + self._stage_buttons(program, stage.id)
        self.reply(Reply((header, count, *body, footer), buttons))

    @staticmethod
    def _stage_buttons(program: ProgramSpec, current: str) -> tuple[tuple[Button, ...], ...]:
        row = tuple(Button(Msg(s.title), f"bi:{s.id}:0") for s in program.stages if s.id != current)
        return (row[:3], row[3:]) if len(row) > 3 else (row,)

    @staticmethod
    def _page_starts(rows: list[repo.PendingRow], grouped: bool) -> list[int]:
        """Where each page begins, from the lengths alone: only the page shown
        is rendered, even when the list has tens of thousands of rows."""
        starts = [0]
        size = 0
        unit = None
        for i, row in enumerate(rows):
            header = len(row.unit_name) + UNIT_OVERHEAD if grouped else 0
            cost = len(row.nip) + len(row.nama) + len(row.jabatan or "-") + ROW_OVERHEAD
            if grouped and row.unit_name != unit:
                cost += header
                unit = row.unit_name
            if size + cost > PAGE_CHARS and i > starts[-1]:
                starts.append(i)
                size = header  # a page opens with its unit's header
                cost = cost - header if cost > header else cost
            size += cost
        return starts

    @staticmethod
    def _page_lines(rows: list[repo.PendingRow], first: int, grouped: bool) -> list[Msg]:
        lines: list[Msg] = []
        unit = None
        for n, row in enumerate(rows, first + 1):
            if grouped and row.unit_name != unit:
                unit = row.unit_name
                lines.append(Msg("monitor.unit", {"unit": unit}))
            lines.append(Msg("monitor.row", {
                "n": n, "nip": row.nip, "nama": row.nama, "jabatan": row.jabatan or "-",
                "status": Msg(f"monitor.status_{row.status.value}"),
            }))
        return lines

    async def _scope_name(self, kind: str, unit_id: int | None) -> str:
        if unit_id is None:
            return ""
        return (await repo.unit_names(self.s, [unit_id])).get(unit_id, "")


def _ids(update_id: int | None) -> tuple[int, ...]:
    return () if update_id is None else (update_id,)
