"""queues, callbacks, dispositions, do-not-call, phones, blocks, rule sets, experiments, queue events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 23:01:49.972587
"""

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('call_blocks',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('wrong_number_phone', sa.String(length=64), nullable=True),
    sa.Column('no_claim_fingerprint', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('do_not_call',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('experiments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('control_rule_set_id', sa.BigInteger(), nullable=False),
    sa.Column('variant_rule_set_id', sa.BigInteger(), nullable=False),
    sa.Column('share', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('queue_entries',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('queue_type', sa.String(length=24), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('next_call_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('callback_id', sa.BigInteger(), nullable=True),
    sa.Column('personal_agent_id', sa.Uuid(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rule_set_id', sa.BigInteger(), nullable=True),
    sa.Column('experiment_arm', sa.String(length=16), nullable=True),
    sa.Column('lease_id', sa.Uuid(), nullable=True),
    sa.Column('leased_to', sa.Uuid(), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_index('queue_entries_lease_idx', 'queue_entries', ['leased_to'], unique=False)
    op.create_index('queue_entries_order_idx', 'queue_entries', ['queue_type', 'score', 'user_id'], unique=False)
    op.create_table('queue_events',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('from_queue', sa.String(length=24), nullable=True),
    sa.Column('to_queue', sa.String(length=24), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('queue_events_occurred_idx', 'queue_events', ['occurred_at'], unique=False)
    op.create_index('queue_events_user_idx', 'queue_events', ['user_id'], unique=False)
    op.create_table('rule_sets',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version')
    )
    op.create_table('user_phones',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('raw', sa.String(length=64), nullable=True),
    sa.Column('e164', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('callbacks',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('personal', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('agent_id', sa.Uuid(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('callbacks_due_idx', 'callbacks', ['status', 'scheduled_for'], unique=False)
    op.create_index('callbacks_user_idx', 'callbacks', ['user_id'], unique=False)
    op.create_table('dispositions',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('lease_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('agent_id', sa.Uuid(), nullable=False),
    sa.Column('queue_type', sa.String(length=24), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('call_sid', sa.String(length=64), nullable=True),
    sa.Column('next_call_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('lease_id')
    )
    op.create_index('dispositions_agent_idx', 'dispositions', ['agent_id', 'created_at'], unique=False)
    op.create_index('dispositions_user_idx', 'dispositions', ['user_id', 'created_at'], unique=False)
    op.create_table('leases',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('agent_id', sa.Uuid(), nullable=False),
    sa.Column('queue_type', sa.String(length=24), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('leases_agent_idx', 'leases', ['agent_id', 'created_at'], unique=False)
    op.add_column('agents', sa.Column('queue_types', postgresql.ARRAY(sa.String(length=24)), nullable=True))



def downgrade() -> None:

    op.drop_column('agents', 'queue_types')
    op.drop_index('leases_agent_idx', table_name='leases')
    op.drop_table('leases')
    op.drop_index('dispositions_user_idx', table_name='dispositions')
    op.drop_index('dispositions_agent_idx', table_name='dispositions')
    op.drop_table('dispositions')
    op.drop_index('callbacks_user_idx', table_name='callbacks')
    op.drop_index('callbacks_due_idx', table_name='callbacks')
    op.drop_table('callbacks')
    op.drop_table('user_phones')
    op.drop_table('rule_sets')
    op.drop_index('queue_events_user_idx', table_name='queue_events')
    op.drop_index('queue_events_occurred_idx', table_name='queue_events')
    op.drop_table('queue_events')
    op.drop_index('queue_entries_order_idx', table_name='queue_entries')
    op.drop_index('queue_entries_lease_idx', table_name='queue_entries')
    op.drop_table('queue_entries')
    op.drop_table('experiments')
    op.drop_table('do_not_call')
    op.drop_table('call_blocks')

