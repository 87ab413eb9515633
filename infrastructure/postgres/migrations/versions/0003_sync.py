"""CDC sync: records applied, dead letters, sync state, job runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 01:50:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _now() -> sa.TextClause:
    return sa.text('now()')


def upgrade() -> None:
    op.create_table(
        'cdc_seen',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('cdc_seen_at_idx', 'cdc_seen', ['seen_at'])
    op.create_table(
        'dead_letters',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('message_id', sa.String(length=128), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), server_default=_now(),
                  nullable=False),
        sa.Column('replayed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('dead_letters_open_idx', 'dead_letters', ['replayed_at', 'received_at'])
    op.create_table(
        'sync_state',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_processed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lag_seconds', sa.Float(), nullable=True),
        sa.Column('processed', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('dead_letter_depth', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'job_runs',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('job', sa.String(length=32), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('drift', sa.Integer(), nullable=True),
        sa.Column('figures', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('job_runs_job_idx', 'job_runs', ['job', 'started_at'])


def downgrade() -> None:
    op.drop_table('job_runs')
    op.drop_table('sync_state')
    op.drop_table('dead_letters')
    op.drop_table('cdc_seen')
