"""Who may move a form or an enrolment from one status to the next, as
tables: the handlers ask `move`, and `bina spec diagram` draws the same
tables, so the picture and the behaviour cannot drift apart."""

from __future__ import annotations

from enum import StrEnum

from flows.program import Status


class EnrolmentStatus(StrEnum):
    REQUESTED = "requested"  # waiting for the chosen coach
    ACTIVE = "active"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


# Enrolments in which there is something to fill or to read.
LIVE_ENROLMENTS = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)


# (status, action) -> next status; the action's label is the button people press.
FORM_MOVES: dict[tuple[str, str], str] = {
    (Status.NOT_STARTED, "answer"): Status.DRAFT,
    (Status.NOT_STARTED, "send"): Status.SUBMITTED,  # a form that starts complete (from the roster)
    (Status.DRAFT, "send"): Status.SUBMITTED,
    (Status.RETURNED, "send"): Status.SUBMITTED,
    (Status.SUBMITTED, "confirm"): Status.CONFIRMED,
    (Status.SUBMITTED, "return"): Status.RETURNED,
}

ENROLMENT_MOVES: dict[tuple[str, str], str] = {
    (EnrolmentStatus.REQUESTED, "approve"): EnrolmentStatus.ACTIVE,
    (EnrolmentStatus.REQUESTED, "decline"): EnrolmentStatus.DECLINED,
    (EnrolmentStatus.REQUESTED, "withdraw"): EnrolmentStatus.WITHDRAWN,
    (EnrolmentStatus.ACTIVE, "complete"): EnrolmentStatus.COMPLETED,
}


def move(table: dict[tuple[str, str], str], status: str, action: str) -> str | None:
    """The status after `action`, or None when the action does not apply
    (pressed twice, or after someone else decided)."""
    return table.get((status, action))
