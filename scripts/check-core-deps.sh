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
# The core's tests, benches and the HTTP layer they use build no AWS crate either.
aws="$(cargo tree -p hitcast -e normal,dev --prefix none --format '{p}' | awk '{print $1}' | sort -u | grep -E '^(aws-[a-z0-9-]+|aws_lambda_events|lambda_runtime|lambda_http)$' || true)"
if [ -n "$aws" ]; then
  echo "error: the core's tests (hitcast, dev) must not build AWS crates: $aws" >&2
  echo "       (depend on hitcast-http without its \`lambda\` feature)" >&2
  exit 1
fi
echo "core tests: no AWS crate"
