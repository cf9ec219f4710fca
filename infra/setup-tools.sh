#!/usr/bin/env bash
# Tools for packaging and checking the deployment, into infra/.venv and .tools/ (idempotent):
# cfn-lint, checkov, zig and cargo-zigbuild (PyPI wheels: nothing to compile), the aarch64 Rust
# target.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
python="${PYTHON:-python3}"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if ! [ -x "$here/.venv/bin/cfn-lint" ] || [ "$(cat "$here/.venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
  echo "setting up infra/.venv (cfn-lint, checkov, zig, cargo-zigbuild)" >&2
  "$python" -m venv "$here/.venv"
  "$here/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  echo "$want" > "$here/.venv/.requirements.sha256"
fi
if ! rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu; then
  echo "adding the aarch64-unknown-linux-gnu Rust target" >&2
  rustup target add aarch64-unknown-linux-gnu >&2
fi
