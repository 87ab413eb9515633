#!/usr/bin/env bash
# Runs the dialler: on the embedded default when nothing is configured.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/dialler serve "$@"
