"""agents' temporary passwords (an admin's reset: to be changed before it expires) and when
each last logged in

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('agents', sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.add_column('agents', sa.Column('password_expires_at', sa.DateTime(timezone=True),
                                      nullable=True))
    op.add_column('agents', sa.Column('last_login_at', sa.DateTime(timezone=True),
                                      nullable=True))
    op.execute("UPDATE agents a SET last_login_at = s.latest FROM ("
               "SELECT agent_id, max(started_at) AS latest FROM agent_sessions "
               "GROUP BY agent_id) s WHERE s.agent_id = a.id")


def downgrade() -> None:
    op.drop_column('agents', 'last_login_at')
    op.drop_column('agents', 'password_expires_at')
    op.drop_column('agents', 'must_change_password')
