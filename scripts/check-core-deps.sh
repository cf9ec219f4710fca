#!/usr/bin/env bash
# Invariant: the core crate depends on no network, async-runtime or transport crate.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
forbidden='^(tokio|lambda_runtime|lambda_http|aws-[a-z0-9-]+|serenity|poise|rspotify|reqwest|hyper|ureq|axum|tower)$'
found="$(cargo tree -p hitcast -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u | grep -E "$forbidden" || true)"
if [ -n "$found" ]; then
  echo "error: the core crate (hitcast) must not depend on: $found" >&2
  echo "       (see ARCHITECTURE.md, invariants; move transport code to lambda/ or bot/)" >&2
  exit 1
fi
echo "core dependencies: no network or transport crate"
