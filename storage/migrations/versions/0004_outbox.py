"""the outbox: every message Bina starts, queued with the change that caused it

Also the sessions a coachee and coach scheduled (reminded before they
start) and the reminder kinds a person turned off.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('muted', sa.String(length=200), nullable=False, server_default=''))
    op.create_table(
        'outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('employee_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('program', sa.String(length=64), nullable=True),
        sa.Column('activity', sa.String(length=64), nullable=True),
        sa.Column('subject', sa.String(length=100), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('not_before', _WHEN, nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=True),
        sa.Column('lease_until', _WHEN, nullable=True),
        sa.Column('snoozed', sa.Boolean(), nullable=False),
        sa.Column('created_at', _WHEN, nullable=False),
        sa.Column('finished_at', _WHEN, nullable=True),
        sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_outbox_employee_id_employees')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
        sa.UniqueConstraint('key', name=op.f('uq_outbox_key')),
    )
    op.create_index('ix_outbox_status_not_before', 'outbox', ['status', 'not_before'])
    op.create_index('ix_outbox_employee_status', 'outbox', ['employee_id', 'status'])
    op.create_table(
        'scheduled_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('employee_id', sa.Integer(), nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=True),
        sa.Column('program', sa.String(length=64), nullable=False),
        sa.Column('activity', sa.String(length=64), nullable=False),
        sa.Column('starts_at', _WHEN, nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', _WHEN, nullable=False),
        sa.ForeignKeyConstraint(['coach_id'], ['employees.id'],
                                name=op.f('fk_scheduled_sessions_coach_id_employees')),
        sa.ForeignKeyConstraint(['employee_id'], ['employees.id'],
                                name=op.f('fk_scheduled_sessions_employee_id_employees')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_sessions')),
    )
    op.create_index(op.f('ix_scheduled_sessions_employee_id'), 'scheduled_sessions', ['employee_id'])
    op.create_index(op.f('ix_scheduled_sessions_starts_at'), 'scheduled_sessions', ['starts_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_scheduled_sessions_starts_at'), table_name='scheduled_sessions')
    op.drop_index(op.f('ix_scheduled_sessions_employee_id'), table_name='scheduled_sessions')
    op.drop_table('scheduled_sessions')
    op.drop_index('ix_outbox_employee_status', table_name='outbox')
    op.drop_index('ix_outbox_status_not_before', table_name='outbox')
    op.drop_table('outbox')
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.drop_column('muted')
