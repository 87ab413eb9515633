#!/usr/bin/env bash
# Runs the whole test suite (unit + integration against the local services) and ruff.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check --no-cache .
exec .venv/bin/pytest -q "$@"
