"""Repositories: queries and writes, returning plain records (never ORM rows).

Every function takes the session of the caller's transaction, so one update
is one transaction, whatever it touches. Callers use `repo.<name>`; each
concern lives in its own module.
"""

from storage.repo._base import Person, SubmissionRecord
from storage.repo.enrolments import (
    EnrolmentRecord,
    chosen_coachees,
    enrolment_for_update,
    enrolments_of,
    lock_enrolment,
    people_with_role,
    request_enrolment,
    requests_for,
    set_enrolment_status,
)
from storage.repo.ledger import add_line, jp_total, lines_for_submission, lines_of
from storage.repo.monitoring import PendingRow, not_completed, unit_names
from storage.repo.people import (
    RECENT_UPDATES,
    Redeem,
    Turn,
    coach_ids,
    coachees_of,
    create_invites,
    link_telegram,
    linked_people,
    new_code,
    open_turn,
    people_by_phone,
    person_by_id,
    person_by_telegram,
    redeem_invite,
    save_conversation,
    set_blocked,
    set_locale,
)
from storage.repo.roster import existing_nips, upsert_roster
from storage.repo.submissions import (
    create_draft,
    decide,
    returned_forms,
    save_draft,
    statuses,
    submission_for_update,
    submit,
    waiting_for,
)

__all__ = [
    "RECENT_UPDATES",
    "EnrolmentRecord",
    "PendingRow",
    "Person",
    "Redeem",
    "SubmissionRecord",
    "Turn",
    "add_line",
    "chosen_coachees",
    "coach_ids",
    "coachees_of",
    "create_draft",
    "create_invites",
    "decide",
    "enrolment_for_update",
    "enrolments_of",
    "existing_nips",
    "jp_total",
    "lines_for_submission",
    "lines_of",
    "link_telegram",
    "linked_people",
    "lock_enrolment",
    "new_code",
    "not_completed",
    "open_turn",
    "people_by_phone",
    "people_with_role",
    "person_by_id",
    "person_by_telegram",
    "redeem_invite",
    "request_enrolment",
    "requests_for",
    "returned_forms",
    "save_conversation",
    "save_draft",
    "set_blocked",
    "set_enrolment_status",
    "set_locale",
    "statuses",
    "submission_for_update",
    "submit",
    "unit_names",
    "upsert_roster",
    "waiting_for",
]
