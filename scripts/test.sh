#!/usr/bin/env bash
# Set up everything the tests need, then run every test: the training pipeline's (pytest)
# and the Rust workspace's (cargo nextest, or cargo test where nextest is absent).
# Set-up: ONNX Runtime (.ort/), the pipeline's venv, s3s-fs (.tools/) for the model-store
# tests, Debian's chromium and playwright-core for the web-page test, the deployment tools
# (cfn-lint, checkov, zig, cargo-zigbuild, the aarch64 target), qemu-user with the aarch64 runtime
# (to run the arm64 packages). HITCAST_SKIP_ARM64_PACKAGE=1
# skips building the arm64 Lambda package (~6 min on 2 cores). The fuzz smoke runs each fuzz
# target for HITCAST_FUZZ_SECONDS (30) after building them with nightly (cargo-fuzz into .tools/).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup-ort.sh
models/train/setup-venv.sh
scripts/setup-s3s.sh
scripts/setup-web.sh
infra/setup-tools.sh
scripts/setup-qemu.sh

echo "== pipeline tests (pytest)"
(cd models/train && .venv/bin/python -m pytest -q -p no:cacheprovider)

echo "== deployment checks (pytest: cfn-lint, checkov, Dockerfile, arm64 package)"
(cd infra && .venv/bin/python -m pytest -q -p no:cacheprovider -s tests)

echo "== fuzz smoke (libFuzzer, ${HITCAST_FUZZ_SECONDS:-30} s per target; scripts/fuzz.sh 600 for a long run)"
scripts/fuzz.sh "${HITCAST_FUZZ_SECONDS:-30}"

echo "== Rust tests"
cargo test --workspace --doc --quiet
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi
