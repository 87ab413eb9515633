#!/usr/bin/env bash
# Runs ruff, the import contracts (pyproject.toml) and the whole test suite (unit +
# integration against the local services).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check --no-cache .
.venv/bin/lint-imports --no-cache
exec .venv/bin/pytest -q "$@"
