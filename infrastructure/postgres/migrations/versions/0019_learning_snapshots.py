"""learning snapshots: each run's estimates per user and per segment, one snapshot active

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 20:50:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'learning_snapshots',
        sa.Column('id', sa.BigInteger(), autoincrement=True, primary_key=True),
        sa.Column('version', sa.Integer(), nullable=False, unique=True),
        sa.Column('status', sa.String(16), nullable=False),  # ACTIVE | SUPERSEDED
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('figures', postgresql.JSONB(), nullable=False),
    )
    op.create_table(
        'learned_users',
        sa.Column('snapshot_id', sa.BigInteger(),
                  sa.ForeignKey('learning_snapshots.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('user_id', sa.BigInteger(), primary_key=True),
        sa.Column('contacts', postgresql.ARRAY(sa.Integer()), nullable=True),
        sa.Column('attempts', postgresql.ARRAY(sa.Integer()), nullable=True),
        sa.Column('estimates', postgresql.ARRAY(sa.Float()), nullable=True),
        sa.Column('best_start', sa.Integer(), nullable=True),
        sa.Column('best_estimate', sa.Float(), nullable=True),
        sa.Column('calls', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Integer(), nullable=False),
        sa.Column('texts', sa.Integer(), nullable=False),
        sa.Column('replied', sa.Integer(), nullable=False),
        sa.Column('call_rate', sa.Float(), nullable=True),
        sa.Column('text_rate', sa.Float(), nullable=True),
        sa.Column('preferred', sa.String(8), nullable=True),
    )
    op.create_table(
        'learned_segments',
        sa.Column('snapshot_id', sa.BigInteger(),
                  sa.ForeignKey('learning_snapshots.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('segment', sa.Text(), primary_key=True),
        sa.Column('estimates', postgresql.ARRAY(sa.Float()), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('learned_segments')
    op.drop_table('learned_users')
    op.drop_table('learning_snapshots')
