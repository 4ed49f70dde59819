"""recaps a koordinator sends to the pembina, and their verification

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'recap_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('program', sa.String(length=64), nullable=False),
        sa.Column('stage', sa.String(length=64), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=16), nullable=False),
        sa.Column('sender_id', sa.Integer(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('sent_at', _WHEN, nullable=False),
        sa.Column('verified_by', sa.Integer(), nullable=True),
        sa.Column('verified_at', _WHEN, nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_recap_reports_unit_id_units')),
        sa.ForeignKeyConstraint(['sender_id'], ['employees.id'], name=op.f('fk_recap_reports_sender_id_employees')),
        sa.ForeignKeyConstraint(['verified_by'], ['employees.id'],
                                name=op.f('fk_recap_reports_verified_by_employees')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recap_reports')),
        sa.UniqueConstraint('program', 'stage', 'unit_id', 'period', name='uq_recap_reports_slot'),
    )


def downgrade() -> None:
    op.drop_table('recap_reports')
