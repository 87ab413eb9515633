"""audit trail of personal-data reads and mutations

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The audit_log of 0001 (actor, action, subject) was never written by any code: it
    # is replaced by the trail's own shape.
    op.drop_index('audit_log_occurred_idx', table_name='audit_log')
    op.drop_table('audit_log')
    op.create_table(
        'audit_log',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('agent_id', sa.Uuid(), nullable=True),
        sa.Column('user_id', sa.BigInteger(), nullable=True),
        sa.Column('operation', sa.String(length=200), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('audit_log_user_idx', 'audit_log', ['user_id', 'at', 'id'],
                    postgresql_where=sa.text('user_id IS NOT NULL'))
    op.create_index('audit_log_agent_idx', 'audit_log', ['agent_id', 'at', 'id'],
                    postgresql_where=sa.text('agent_id IS NOT NULL'))
    op.create_index('audit_log_at_brin', 'audit_log', ['at'], postgresql_using='brin')


def downgrade() -> None:
    op.drop_index('audit_log_at_brin', table_name='audit_log')
    op.drop_index('audit_log_agent_idx', table_name='audit_log')
    op.drop_index('audit_log_user_idx', table_name='audit_log')
    op.drop_table('audit_log')
    op.create_table(
        'audit_log',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=True),
        sa.Column('action', sa.String(length=64), nullable=False),
        sa.Column('subject', sa.String(length=128), nullable=True),
        sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('audit_log_occurred_idx', 'audit_log', ['occurred_at'], unique=False)
