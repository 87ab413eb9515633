"""callbacks listed by time due, everyone's or one agent's

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 07:10:00
"""

from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('callbacks_time_idx', 'callbacks', ['scheduled_for', 'id'])
    op.create_index('callbacks_agent_time_idx', 'callbacks',
                    ['agent_id', 'scheduled_for', 'id'])


def downgrade() -> None:
    op.drop_index('callbacks_agent_time_idx', table_name='callbacks')
    op.drop_index('callbacks_time_idx', table_name='callbacks')
