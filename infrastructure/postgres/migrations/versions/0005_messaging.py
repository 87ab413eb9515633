"""SMS messages, opt-outs, follow-ups, magic links

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 01:50:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _timestamps():
    return [sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                      nullable=False),
            sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                      nullable=False)]


def upgrade() -> None:
    op.create_table(
        'sms_messages',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=True),
        sa.Column('direction', sa.String(length=16), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('twilio_sid', sa.String(length=64), nullable=True),
        sa.Column('from_number', sa.String(length=32), nullable=True),
        sa.Column('to_number', sa.String(length=32), nullable=True),
        sa.Column('agent_id', sa.Uuid(), nullable=True),
        sa.Column('follow_up_id', sa.BigInteger(), nullable=True),
        sa.Column('automated', sa.Boolean(), server_default='false', nullable=False),
        sa.Column('failure_reason', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sending_since', sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('twilio_sid'),
        sa.UniqueConstraint('follow_up_id'),
    )
    op.create_index('sms_messages_user_idx', 'sms_messages', ['user_id', 'created_at', 'id'])
    op.create_index('sms_messages_retry_idx', 'sms_messages', ['status', 'next_attempt_at'])
    op.create_table(
        'sms_opt_outs',
        sa.Column('e164', sa.String(length=20), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=True),
        sa.Column('keyword', sa.String(length=16), nullable=False),
        sa.Column('opted_out_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.PrimaryKeyConstraint('e164'),
    )
    op.create_index('sms_opt_outs_user_idx', 'sms_opt_outs', ['user_id'])
    op.create_table(
        'sms_follow_ups',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('dedupe_key', sa.String(length=160), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), server_default='{}',
                  nullable=False),
        sa.Column('skip_reason', sa.String(length=64), nullable=True),
        sa.Column('message_id', sa.BigInteger(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('dedupe_key'),
    )
    op.create_index('sms_follow_ups_due_idx', 'sms_follow_ups', ['status', 'due_at'])
    op.create_index('sms_follow_ups_user_idx', 'sms_follow_ups', ['user_id'])
    op.create_index('user_phones_e164_idx', 'user_phones', ['e164'])


def downgrade() -> None:
    op.drop_index('user_phones_e164_idx', table_name='user_phones')
    op.drop_table('sms_follow_ups')
    op.drop_table('sms_opt_outs')
    op.drop_table('sms_messages')
