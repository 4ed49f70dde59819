"""Every slash command and every button kind, mapped to its handler in one
place. A command handler takes (turn, state, args), a button handler
(turn, state, payload); both return the conversation state to keep."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.handlers import (
    account,
    documents,
    exports,
    forms,
    ingatkan,
    ledger,
    logbook,
    monitoring,
    pairing,
    recap,
    records,
    reminders,
    reports,
    review,
    status,
)
from bot.turn import Turn
from flows.callbacks import (
    CoacheeForms,
    ConfirmRemind,
    EnrolAction,
    GetDocument,
    JoinProgram,
    NewEntry,
    NotFilledPage,
    OpenActivity,
    PickCoach,
    PickLanguage,
    RecapUnit,
    ReviewAction,
    SendRecap,
    SendToPics,
    Shortcut,
    Snooze,
    ToggleReminder,
    UnitBundle,
    VerifyRecap,
    ViewRecord,
)
from flows.conversation import State

CommandHandler = Callable[[Turn, State, str], Awaitable[State]]

COMMANDS: dict[str, CommandHandler] = {
    # Under their Indonesian names: flows.events.command_received maps the English ones.
    "start": account.start,
    "bantuan": account.help_,
    "batal": account.cancel_idle,
    "bahasa": account.language,
    "status": status.status,
    "isi": forms.fill,
    "tinjau": review.waiting,
    "belum_isi": monitoring.not_filled,
    "program": pairing.programs,
    "jp": ledger.show,
    "sesi": logbook.new_entry,
    "riwayat": records.history,
    "coachee": records.coachees,
    "pengingat": reminders.reminders,
    "ingatkan": ingatkan.remind,
    "ekspor": exports.export,
    "rekap": recap.recap,
    "jpl": exports.jp_recap,
    "audit": exports.audit_log,
    "laporan": reports.reports,
    "dokumen": documents.documents,
    "verifikasi": documents.verify,
}

BUTTONS: dict[type[Any], Callable[[Turn, State, Any], Awaitable[State]]] = {
    PickLanguage: account.picked_language,
    ReviewAction: review.pressed,
    NotFilledPage: monitoring.page_pressed,
    SendToPics: monitoring.send_pressed,
    SendRecap: reports.send_pressed,
    RecapUnit: recap.unit_pressed,
    VerifyRecap: reports.verify_pressed,
    JoinProgram: pairing.join_pressed,
    PickCoach: pairing.coach_picked,
    EnrolAction: pairing.pressed,
    OpenActivity: forms.open_pressed,
    NewEntry: logbook.entry_pressed,
    ViewRecord: records.view,
    CoacheeForms: records.coachee_forms,
    Shortcut: reminders.shortcut_pressed,
    Snooze: reminders.snooze_pressed,
    ToggleReminder: reminders.toggle_pressed,
    ConfirmRemind: ingatkan.confirm_pressed,
    GetDocument: documents.document_pressed,
    UnitBundle: documents.bundle_pressed,
}
