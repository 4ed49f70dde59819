"""late flag on submissions; drafts opened but never answered are not drafts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late', sa.Boolean(), nullable=False, server_default=sa.false()))
    # A form opened and left at its first question used to count as a draft.
    op.execute("UPDATE submissions SET status = 'not_started' "
               "WHERE status = 'draft' AND (answers IS NULL OR CAST(answers AS TEXT) IN ('{}', 'null'))")


def downgrade() -> None:
    op.execute("UPDATE submissions SET status = 'draft' WHERE status = 'not_started'")
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('late')
