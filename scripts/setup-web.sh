#!/usr/bin/env bash
# What the web-page test needs: Debian's chromium (no browser download) and playwright-core
# (npm, pinned in lambda/tests/web/package-lock.json). Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium for the web-page test" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  else
    echo "error: chromium is missing; install Debian's chromium package (as root: apt-get install chromium)" >&2
    exit 1
  fi
fi
command -v node >/dev/null || { echo "error: Node.js is missing (needed to drive the browser)" >&2; exit 1; }
web="$root/lambda/tests/web"
if [ ! -d "$web/node_modules/playwright-core" ]; then
  echo "installing playwright-core for the web-page test" >&2
  (cd "$web" && if [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; else npm install --silent --no-audit --no-fund; fi)
fi
