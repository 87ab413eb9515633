"""mask link tokens in stored SMS bodies and revoke those links

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:00:00

Every token kept readable (a follow-up's body, a customer sending a link back, a provider's
error text, or an agent's note copied from a conversation) is replaced by ``[link <id>]``
and its link is revoked: anyone who read it could have acted as the customer.
"""

import sqlalchemy as sa
from alembic import op

from domain.links.masking import TOKEN_SQL_PATTERN, CarriedLink, stored_form, tokens_in
from domain.links.tokens import token_hash

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Where text is kept that holds, or may have been copied from, a message body.
_TEXT_COLUMNS = {"sms_messages": ("body", "failure_reason"), "callbacks": ("note",),
                 "dispositions": ("notes",)}
_BATCH = 500


def upgrade() -> None:
    op.add_column('magic_links', sa.Column('revoked_at', sa.DateTime(timezone=True),
                                           nullable=True))
    bind = op.get_bind()
    for table, columns in _TEXT_COLUMNS.items():
        _mask_table(bind, table, columns)


def _mask_table(bind, table: str, columns: tuple[str, ...]) -> None:
    """Masks the rows of one table in batches, by id; revokes the links they exposed."""
    after = -1
    matching = " OR ".join(f"{c} ~ :pattern" for c in columns)
    while True:
        rows = bind.execute(sa.text(
            f"SELECT id, {', '.join(columns)} FROM {table} WHERE id > :after AND ({matching}) "
            "ORDER BY id LIMIT :batch"),
            {"after": after, "pattern": TOKEN_SQL_PATTERN, "batch": _BATCH}).mappings().all()
        if not rows:
            return
        found = {t for r in rows for c in columns for t in tokens_in(r[c] or "")}
        links = _links_of(bind, found)
        masked = {c: [stored_form(r[c], links) if r[c] else r[c] for r in rows]
                  for c in columns}
        sets = ", ".join(f"{c} = v.{c}" for c in columns)
        arrays = ", ".join(f"CAST(:{c} AS text[])" for c in columns)
        bind.execute(sa.text(
            f"UPDATE {table} t SET {sets} FROM unnest(CAST(:ids AS bigint[]), {arrays}) "
            f"AS v(id, {', '.join(columns)}) WHERE t.id = v.id"),
            {"ids": [r["id"] for r in rows], **masked})
        bind.execute(sa.text(
            "UPDATE magic_links SET revoked_at = now() WHERE revoked_at IS NULL AND "
            "token_hash = ANY(:hashes)"), {"hashes": [token_hash(t) for t in found]})
        after = rows[-1]["id"]


def _links_of(bind, tokens: set[str]) -> list[CarriedLink]:
    """The known links among these tokens (only their hashes were ever stored)."""
    by_hash = {token_hash(t): t for t in tokens}
    rows = bind.execute(sa.text("SELECT id, token_hash FROM magic_links WHERE "
                                "token_hash = ANY(:hashes)"), {"hashes": list(by_hash)})
    return [CarriedLink(r.id, by_hash[r.token_hash]) for r in rows]


def downgrade() -> None:
    # The masked bodies stay masked: a token was never stored but as its hash, so nothing
    # can bring one back (and nothing should). Only the column goes; the links it revoked
    # stay dead for the older code by expiring when they were revoked.
    op.execute("UPDATE magic_links SET expires_at = least(expires_at, revoked_at) "
               "WHERE revoked_at IS NOT NULL")
    op.drop_column('magic_links', 'revoked_at')
