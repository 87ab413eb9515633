"""automated agents: a flag, and the texts an hour a supervisor allows one

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('agents', sa.Column('automated', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.add_column('agents', sa.Column('texts_per_hour', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column('agents', 'texts_per_hour')
    op.drop_column('agents', 'automated')
