"""programs as activities: enrolments, log entries, the JP ledger

Submissions name their activity (was: stage), carry an occurrence (the n-th
entry of a log) and the day the activity took place. The JP each confirmed
form earned moves from submissions.jp into the append-only jp_ledger, one
line per confirmed form, so a Tetap form confirmed before the upgrade keeps
its JP and its explanation.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)
_JP = sa.Numeric(6, 1)


def upgrade() -> None:
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flags', sa.String(length=100), nullable=False, server_default=''))
    op.create_table(
        'enrolments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('employee_id', sa.Integer(), nullable=False),
        sa.Column('program', sa.String(length=64), nullable=False),
        sa.Column('cycle', sa.Integer(), nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=True),
        sa.Column('mentor_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('requested_at', _WHEN, nullable=True),
        sa.Column('decided_at', _WHEN, nullable=True),
        sa.Column('completed_at', _WHEN, nullable=True),
        sa.Column('created_at', _WHEN, nullable=False),
        sa.Column('updated_at', _WHEN, nullable=False),
        sa.ForeignKeyConstraint(['coach_id'], ['employees.id'], name=op.f('fk_enrolments_coach_id_employees')),
        sa.ForeignKeyConstraint(['employee_id'], ['employees.id'],
                                name=op.f('fk_enrolments_employee_id_employees')),
        sa.ForeignKeyConstraint(['mentor_id'], ['employees.id'], name=op.f('fk_enrolments_mentor_id_employees')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
        sa.UniqueConstraint('employee_id', 'program', 'cycle', name='uq_enrolments_slot'),
    )
    op.create_index(op.f('ix_enrolments_coach_id'), 'enrolments', ['coach_id'])

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_submissions_slot', type_='unique')
        batch_op.drop_index('ix_submissions_program_year_stage')
        batch_op.alter_column('stage', new_column_name='activity', existing_type=sa.String(length=64),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('occurrence', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('day', sa.Date(), nullable=True))
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            'uq_submissions_slot', ['employee_id', 'program', 'activity', 'year', 'occurrence'])
        batch_op.create_index('ix_submissions_program_year_activity', ['program', 'year', 'activity'])

    ledger = op.create_table(
        'jp_ledger',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('employee_id', sa.Integer(), nullable=False),
        sa.Column('program', sa.String(length=64), nullable=False),
        sa.Column('activity', sa.String(length=64), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=True),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('claimed', _JP, nullable=False),
        sa.Column('base', _JP, nullable=False),
        sa.Column('credited', _JP, nullable=False),
        sa.Column('rule', sa.String(length=64), nullable=False),
        sa.Column('reason_key', sa.String(length=64), nullable=False),
        sa.Column('reason_params', sa.JSON(), nullable=False),
        sa.Column('reverses', sa.Integer(), nullable=True),
        sa.Column('created_at', _WHEN, nullable=False),
        sa.ForeignKeyConstraint(['employee_id'], ['employees.id'],
                                name=op.f('fk_jp_ledger_employee_id_employees')),
        sa.ForeignKeyConstraint(['reverses'], ['jp_ledger.id'], name=op.f('fk_jp_ledger_reverses_jp_ledger')),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                name=op.f('fk_jp_ledger_submission_id_submissions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jp_ledger')),
    )
    op.create_index('ix_jp_ledger_employee_day', 'jp_ledger', ['employee_id', 'day'])
    op.create_index(op.f('ix_jp_ledger_submission_id'), 'jp_ledger', ['submission_id'])

    _move_jp_into_ledger(ledger)
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('jp')


def _move_jp_into_ledger(ledger: sa.Table) -> None:
    """One ledger line per confirmed form, dated by the form's date answer
    (the day the dialog took place) or, without one, the day it was decided."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, employee_id, program, activity, year, answers, jp, decided_at, updated_at "
        "FROM submissions WHERE status = 'confirmed' ORDER BY id"
    )).mappings().all()
    now = datetime.now(UTC)
    lines = []
    for r in rows:
        answers = json.loads(r["answers"]) if isinstance(r["answers"], str) else r["answers"]
        day = _day(answers or {}, r["decided_at"] or r["updated_at"], r["year"])
        credited = r["jp"] or 0
        lines.append({
            "employee_id": r["employee_id"], "program": r["program"], "activity": r["activity"],
            "submission_id": r["id"], "day": day, "claimed": credited, "base": credited,
            "credited": credited, "rule": "amount" if credited else "when",
            "reason_key": "jp.credited" if credited else "jp.dialog_not_finished",
            "reason_params": {"jp": {"decimal": str(credited)}} if credited else {}, "reverses": None,
            "created_at": now,
        })
        conn.execute(sa.text("UPDATE submissions SET day = :day WHERE id = :id"), {"day": day, "id": r["id"]})
    if lines:
        op.bulk_insert(ledger, lines)


def _day(answers: dict[str, object], decided: object, year: int) -> date:
    value = answers.get("tanggal")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(decided, datetime):
        return decided.date()
    if isinstance(decided, str) and decided[:10].count("-") == 2:
        return date.fromisoformat(decided[:10])
    return date(year, 1, 1)


def downgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jp', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE submissions SET jp = COALESCE((SELECT CAST(SUM(credited) AS INTEGER) "
               "FROM jp_ledger WHERE jp_ledger.submission_id = submissions.id), 0)")
    op.drop_index(op.f('ix_jp_ledger_submission_id'), table_name='jp_ledger')
    op.drop_index('ix_jp_ledger_employee_day', table_name='jp_ledger')
    op.drop_table('jp_ledger')
    op.execute("DELETE FROM submissions WHERE occurrence > 0")
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_submissions_slot', type_='unique')
        batch_op.drop_index('ix_submissions_program_year_activity')
        batch_op.drop_column('day')
        batch_op.drop_column('occurrence')
        batch_op.alter_column('activity', new_column_name='stage', existing_type=sa.String(length=64),
                              existing_nullable=False)
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_submissions_slot', ['employee_id', 'program', 'stage', 'year'])
        batch_op.create_index('ix_submissions_program_year_stage', ['program', 'year', 'stage'])
    op.drop_index(op.f('ix_enrolments_coach_id'), table_name='enrolments')
    op.drop_table('enrolments')
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.drop_column('flags')
