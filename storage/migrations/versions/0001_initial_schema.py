"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], name=op.f('fk_units_parent_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('parent_id', 'name', name='uq_units_parent_name')
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_parent_id'), ['parent_id'], unique=False)

    op.create_table('employees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nip', sa.String(length=18), nullable=False),
    sa.Column('nama', sa.String(length=200), nullable=False),
    sa.Column('jabatan', sa.String(length=300), nullable=False),
    sa.Column('pangkat_golongan', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('atasan_id', sa.Integer(), nullable=True),
    sa.Column('penilai_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('roles', sa.String(length=100), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('telegram_id', sa.BigInteger(), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['atasan_id'], ['employees.id'], name=op.f('fk_employees_atasan_id_employees')),
    sa.ForeignKeyConstraint(['penilai_id'], ['employees.id'], name=op.f('fk_employees_penilai_id_employees')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_employees_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employees')),
    sa.UniqueConstraint('nip', name=op.f('uq_employees_nip')),
    sa.UniqueConstraint('telegram_id', name=op.f('uq_employees_telegram_id'))
    )
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employees_atasan_id'), ['atasan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employees_penilai_id'), ['penilai_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employees_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_employees_unit_id'), ['unit_id'], unique=False)

    op.create_table('conversations',
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.JSON(), nullable=True),
    sa.Column('recent_updates', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_conversations_employee_id_employees')),
    sa.PrimaryKeyConstraint('employee_id', name=op.f('pk_conversations'))
    )
    op.create_table('invites',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_invites_employee_id_employees')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_invites'))
    )
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invites_employee_id'), ['employee_id'], unique=False)

    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('program', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.String(length=64), nullable=False),
    sa.Column('spec_version', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('cursor', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.Column('jp', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coach_id'], ['employees.id'], name=op.f('fk_submissions_coach_id_employees')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_submissions_employee_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions')),
    sa.UniqueConstraint('employee_id', 'program', 'stage', 'year', name='uq_submissions_slot')
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_coach_id'), ['coach_id'], unique=False)
        batch_op.create_index('ix_submissions_program_year_stage', ['program', 'year', 'stage'], unique=False)



def downgrade() -> None:

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_submissions_program_year_stage')
        batch_op.drop_index(batch_op.f('ix_submissions_coach_id'))

    op.drop_table('submissions')
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invites_employee_id'))

    op.drop_table('invites')
    op.drop_table('conversations')
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employees_unit_id'))
        batch_op.drop_index(batch_op.f('ix_employees_phone'))
        batch_op.drop_index(batch_op.f('ix_employees_penilai_id'))
        batch_op.drop_index(batch_op.f('ix_employees_atasan_id'))

    op.drop_table('employees')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_parent_id'))

    op.drop_table('units')
