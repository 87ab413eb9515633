"""who rang whom, and indexes for the access rule (the users an agent works on)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An inbound call rings several agents before one answers: each may see the caller.
    op.create_table(
        'call_rings',
        sa.Column('call_id', sa.Uuid(), sa.ForeignKey('calls.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('agent_id', sa.Uuid(), sa.ForeignKey('agents.id'), nullable=False),
        sa.Column('rang_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('call_id', 'agent_id'),
    )
    op.create_index('call_rings_agent_idx', 'call_rings', ['agent_id', 'rang_at'])
    # Each request of an agent reads their open leases, pending callbacks and recent
    # texts: without these, every one of the agent's rows since they started.
    op.create_index('leases_open_agent_idx', 'leases', ['agent_id'],
                    postgresql_where=sa.text('ended_at IS NULL'))
    op.create_index('callbacks_pending_agent_idx', 'callbacks', ['agent_id'],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index('sms_messages_agent_idx', 'sms_messages', ['agent_id', 'created_at'])


def downgrade() -> None:
    op.drop_index('sms_messages_agent_idx', table_name='sms_messages')
    op.drop_index('callbacks_pending_agent_idx', table_name='callbacks')
    op.drop_index('leases_open_agent_idx', table_name='leases')
    op.drop_table('call_rings')
