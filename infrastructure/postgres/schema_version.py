"""Is the dialler database at this code's revision? Answered without loading Alembic.

Alembic imports every migration script (and SQLAlchemy) to find the head: most of a
second for a CLI command that only needs to know. The scripts' ``revision`` and
``down_revision`` lines say the same; anything but one plain chain falls back to Alembic.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import asyncpg

VERSIONS = Path(__file__).with_name("migrations") / "versions"
_ASSIGNMENT = re.compile(r"^(down_revision|revision)\s*(?::[^=]+)?=\s*(.+?)\s*$", re.MULTILINE)


def _links(script: str) -> tuple[str, tuple[str, ...]] | None:
    found = {name: ast.literal_eval(value) for name, value in _ASSIGNMENT.findall(script)}
    revision, down = found.get("revision"), found.get("down_revision")
    if not isinstance(revision, str):
        return None
    downs = (down,) if isinstance(down, str) else tuple(down or ())
    return revision, downs


def script_head(versions: Path = VERSIONS) -> str | None:
    """The newest revision of the migration scripts (Alembic's own answer when branched)."""
    links = []
    for path in sorted(versions.glob("*.py")):
        try:
            link = _links(path.read_text())
        except (ValueError, SyntaxError):
            link = None
        if link is None:
            return _alembic_head()
        links.append(link)
    heads = {rev for rev, _ in links} - {down for _, downs in links for down in downs}
    return heads.pop() if len(heads) == 1 else _alembic_head()


def _alembic_head() -> str | None:
    from infrastructure.postgres.migrate import head_revision

    return head_revision()


async def database_revision(conn: asyncpg.Connection) -> str | None:
    """The revision the database is at; None before its first migration."""
    if await conn.fetchval("SELECT to_regclass('alembic_version')") is None:
        return None
    return await conn.fetchval("SELECT version_num FROM alembic_version")
