#!/usr/bin/env bash
# Runs ruff, the import contracts (pyproject.toml) and the whole test suite (unit +
# integration against the local services).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/test-tools.sh  # chromium and promtool where it can; else their tests skip, saying why
.venv/bin/ruff check --no-cache .
.venv/bin/lint-imports --no-cache
# Tests on as many workers as there are cores (at most 4): each makes its own databases,
# so they run apart (here: 300 s on two workers against 466 s on one). "-n 0" runs serially.
# -rs: a skipped test's reason is printed (a missing browser or promtool says so).
exec .venv/bin/pytest -q -rs -n auto --maxprocesses 4 "$@"
