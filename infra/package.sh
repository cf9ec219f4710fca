#!/usr/bin/env bash
# Build the arm64 Lambda packages:
#   target/lambda/hitcast-lambda.zip        the HTTP API
#   target/lambda/hitcast-interactions.zip  the Discord commands over HTTP interactions
# each with `bootstrap` (aarch64, glibc ≤ 2.34 for Amazon Linux 2023) and the aarch64
# `libonnxruntime.so` beside it, where the binary looks first. Cross-compiles with
# cargo-zigbuild and zig from PyPI (infra/setup-tools.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v cargo >/dev/null || { echo "error: cargo is missing (install Rust: https://rustup.rs)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "error: python3 is missing (needed for zig and the zip)" >&2; exit 1; }
infra/setup-tools.sh
scripts/setup-ort.sh aarch64
target=aarch64-unknown-linux-gnu
echo "building hitcast-lambda and hitcast-interactions for $target (glibc 2.34)" >&2
# cargo-zigbuild and zig come from infra/.venv (cargo-zigbuild runs `python3 -m ziglang` when no
# `zig` is on PATH).
PATH="$root/infra/.venv/bin:$PATH" cargo zigbuild --quiet --release \
  -p hitcast-lambda -p hitcast-bot --bin hitcast-lambda --bin hitcast-interactions --target "$target.2.34"
size() { stat -c %s "$1"; }
for name in hitcast-lambda hitcast-interactions; do
  out="$root/target/lambda/$name"
  rm -rf "$out" && mkdir -p "$out"
  cp "$root/target/$target/release/$name" "$out/bootstrap"
  cp "$root/.ort/aarch64/libonnxruntime.so" "$out/libonnxruntime.so"
  zip="$root/target/lambda/$name.zip"
  python3 - "$out" "$zip" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for name in ("bootstrap", "libonnxruntime.so"):
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.external_attr = 0o755 << 16  # executable for bootstrap; harmless for the library
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(os.path.join(src, name), "rb") as f:
            z.writestr(info, f.read(), compresslevel=9)
PY
  echo "target/lambda/$name.zip: $(size "$zip") bytes (bootstrap $(size "$out/bootstrap"), libonnxruntime.so $(size "$out/libonnxruntime.so") unzipped)"
done
