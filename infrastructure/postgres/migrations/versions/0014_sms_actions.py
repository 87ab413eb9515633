"""what was done, unasked, about an inbound text

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sms_messages', sa.Column('action', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('sms_messages', 'action')
