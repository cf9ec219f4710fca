#!/usr/bin/env bash
# Install s3s-fs, a real S3-compatible server the Lambda's model-store tests start on
# 127.0.0.1, into .tools/bin (about 2 minutes once; idempotent).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version=0.14.1
bin="$root/.tools/bin/s3s-fs"
if [ -x "$bin" ] && [ "$(cat "$root/.tools/s3s-fs.version" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
echo "installing s3s-fs $version into .tools/ (a local S3 server for the tests)" >&2
cargo install --quiet --locked "s3s-fs@$version" --features binary --root "$root/.tools"
echo "$version" > "$root/.tools/s3s-fs.version"
