"""agent sessions: heartbeats, pause reasons, wrap-up

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 01:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('agent_sessions', sa.Column('end_reason', sa.String(length=16), nullable=True))
    op.create_index('agent_sessions_live_idx', 'agent_sessions', ['ended_at', 'last_seen_at'])
    # Analytics over a period (dashboard, performance, breakdowns) read dispositions by time.
    op.create_index('dispositions_created_idx', 'dispositions', ['created_at'])


def downgrade() -> None:
    op.drop_index('dispositions_created_idx', 'dispositions')
    op.drop_index('agent_sessions_live_idx', table_name='agent_sessions')
    op.drop_column('agent_sessions', 'end_reason')
