"""what each user's queue entry (or absence) was last built from by a rebuild, so the next
rebuild skips the users whose inputs have not moved

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 19:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty at first: the next rebuild builds everyone and fills it.
    op.create_table(
        'queue_inputs',
        sa.Column('user_id', sa.BigInteger(), primary_key=True),
        sa.Column('digest', sa.BigInteger(), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('good_until', sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table('queue_inputs')
