"""each queue event's cause (signature obtained, a disposition, do-not-call, …), for the
movement reports

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 08:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('queue_events', sa.Column('cause', sa.String(24), nullable=True))


def downgrade() -> None:
    op.drop_column('queue_events', 'cause')
