"""calls, conversions, webhook receipts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 01:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calls',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('twilio_sid', sa.String(length=64), nullable=True),
        sa.Column('direction', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=True),
        sa.Column('agent_id', sa.Uuid(), nullable=True),
        sa.Column('lease_id', sa.Uuid(), nullable=True),
        sa.Column('queue_type', sa.String(length=24), nullable=True),
        sa.Column('from_number', sa.String(length=32), nullable=True),
        sa.Column('to_number', sa.String(length=32), nullable=True),
        sa.Column('outcome', sa.String(length=32), nullable=True),
        sa.Column('disposition_id', sa.BigInteger(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('talk_seconds', sa.Integer(), server_default='0', nullable=False),
        sa.Column('recording_sid', sa.String(length=64), nullable=True),
        sa.Column('recording_url', sa.Text(), nullable=True),
        sa.Column('recording_deleted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('twilio_sid'),
    )
    op.create_index('calls_user_idx', 'calls', ['user_id', 'started_at'])
    op.create_index('calls_agent_idx', 'calls', ['agent_id', 'started_at'])
    op.create_index('calls_started_idx', 'calls', ['started_at'])
    op.create_table(
        'conversions',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('dedupe_key', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
        sa.Column('claim_id', sa.BigInteger(), nullable=True),
        sa.Column('requirement_id', sa.String(length=36), nullable=True),
        sa.Column('lender', sa.String(length=200), nullable=True),
        sa.Column('agent_id', sa.Uuid(), nullable=True),
        sa.Column('call_id', sa.Uuid(), nullable=True),
        sa.Column('queue_type', sa.String(length=24), nullable=True),
        sa.Column('experiment_arm', sa.String(length=16), nullable=True),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('dedupe_key'),
    )
    op.create_index('conversions_occurred_idx', 'conversions', ['occurred_at'])
    op.create_index('conversions_agent_idx', 'conversions', ['agent_id', 'occurred_at'])
    op.create_table(
        'webhook_receipts',
        sa.Column('key', sa.String(length=128), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('webhook_receipts_received_idx', 'webhook_receipts', ['received_at'])


def downgrade() -> None:
    op.drop_table('webhook_receipts')
    op.drop_table('conversions')
    op.drop_table('calls')
