"""the user search: each user's name, e-mail and phone keys, the distinct names on a
trigram index, and claim ids, kept from the replica by CDC and reconciliation

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Needs a role that may create it (a superuser, or rds_superuser on RDS); the extension
    # is left behind on downgrade, as other schemas may use it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        'user_search',
        sa.Column('user_id', sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column('name_key', sa.Text(), nullable=False),
        sa.Column('email_key', sa.Text(collation='C'), nullable=True),
        sa.Column('phone_key', sa.String(20, collation='C'), nullable=True),
        sa.Column('indexed_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('user_search_name_idx', 'user_search', ['name_key', 'user_id'])
    op.create_index('user_search_email_idx', 'user_search', ['email_key', 'user_id'])
    op.create_index('user_search_phone_idx', 'user_search', ['phone_key', 'user_id'])
    op.create_table(
        'user_search_names',
        sa.Column('name_key', sa.Text(), primary_key=True),
    )
    op.create_index('user_search_names_trgm_idx', 'user_search_names', ['name_key'],
                    postgresql_using='gin', postgresql_ops={'name_key': 'gin_trgm_ops'})
    op.create_table(
        'user_search_claims',
        sa.Column('claim_id', sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
    )
    op.create_index('user_search_claims_user_idx', 'user_search_claims', ['user_id'])


def downgrade() -> None:
    op.drop_table('user_search_claims')
    op.drop_table('user_search_names')
    op.drop_table('user_search')
