"""calls and texts imported from a previous system: their source id (an import of the same
row twice changes nothing) and the agent's e-mail when no agent of ours has it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 20:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('calls', 'sms_messages'):
        op.add_column(table, sa.Column('external_id', sa.String(128), nullable=True))
        op.add_column(table, sa.Column('agent_email', sa.String(320), nullable=True))
        op.create_unique_constraint(f'{table}_external_id_key', table, ['external_id'])
    op.add_column('sms_messages', sa.Column('replied', sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column('sms_messages', 'replied')
    for table in ('sms_messages', 'calls'):
        op.drop_constraint(f'{table}_external_id_key', table, type_='unique')
        op.drop_column(table, 'agent_email')
        op.drop_column(table, 'external_id')
