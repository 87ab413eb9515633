#!/usr/bin/env bash
# Fetches the tools some tests drive, when they are missing and this machine can: Debian's
# chromium for the browser tests, promtool for deploy/monitoring's rules. Never fails the
# run: a test whose tool is still missing is skipped with the reason printed.
cd "$(dirname "$0")/.."

# Chromium: installed (it needs its libraries), so root and apt-get are needed.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (Debian) for the browser tests" >&2
    export DEBIAN_FRONTEND=noninteractive
    timeout 900 apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 \
      || { timeout 300 apt-get update >/dev/null 2>&1 \
           && timeout 900 apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; } \
      || echo "chromium could not be installed: the browser tests will skip" >&2
  else
    echo "no chromium, and no root or apt-get to install it: the browser tests will skip" >&2
  fi
fi

# promtool: taken out of Debian's prometheus package into .venv/bin, downloaded rather
# than installed (no root needed, no Prometheus server set up here).
if ! command -v promtool >/dev/null 2>&1 && [ ! -x .venv/bin/promtool ]; then
  if command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1; then
    scratch=$(mktemp -d)
    if (cd "$scratch" && apt-get download prometheus >/dev/null 2>&1) \
        && dpkg-deb --fsys-tarfile "$scratch"/prometheus_*.deb \
          | tar -xO ./usr/bin/promtool > .venv/bin/promtool.part; then
      chmod +x .venv/bin/promtool.part && mv .venv/bin/promtool.part .venv/bin/promtool
    else
      rm -f .venv/bin/promtool.part
      echo "promtool not fetched (apt-get download prometheus failed: no package lists" \
        "or no network?); the promtool tests will skip" >&2
    fi
    rm -rf "$scratch"
  else
    echo "promtool missing and no apt-get to fetch it; the promtool tests will skip" >&2
  fi
fi
exit 0
