#!/usr/bin/env bash
# The test suite, in two tiers:
#   scripts/test.sh --quick   the edit-test loop (≈3–5 min with a warm build): fmt, clippy, the
#                             Rust tests that need nothing but the toolchain and ONNX Runtime
#                             (plain `cargo test`), the pipeline's tests without the retraining one
#   scripts/test.sh           everything (what .ci/run runs): sets up every tool a test needs, then
#                             the pipeline's tests (pytest), the deployment checks (pytest:
#                             cfn-lint, checkov, the arm64 packages under qemu), the fuzz smoke, and
#                             last the Rust tests with the `external-tests` feature (s3s-fs,
#                             Chromium). Stages run one after the other: run beside the arm64
#                             build, the pipeline's tests (numpy's threads) made both slower
#                             (23 min for the two, against 17 one after the other).
# Set-up (idempotent, into the checkout): ONNX Runtime (.ort/), the pipeline's venv, s3s-fs
# (.tools/), Debian's chromium and playwright-core, the deployment tools (cfn-lint, checkov, zig,
# cargo-zigbuild, the aarch64 target), qemu-user with the aarch64 runtime. The downloads run in
# the background while the Rust tests build.
#   HITCAST_SKIP_ARM64_PACKAGE=1   skip building the arm64 Lambda packages (~10 min on 2 cores)
#   HITCAST_FUZZ_SECONDS=N         seconds per fuzz target (20; scripts/fuzz.sh 600 for a long run)
# Each stage is printed with the time since the start; the last lines are the test runner's summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mode=full
case "${1:-}" in
  --quick) mode=quick ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
esac
start=$SECONDS
stage() { printf '== [%dm%02ds] %s\n' $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)) "$*"; }

rust_tests() {
  # doc tests first (nextest does not run them), then every test binary
  stage "Rust tests $*"
  cargo test --workspace --doc --quiet "$@"
  if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast "$@"
  else
    cargo test --workspace --no-fail-fast "$@"
  fi
}

if [ "$mode" = quick ]; then
  stage "cargo fmt --check"
  cargo fmt --all --check
  scripts/setup-ort.sh
  models/train/setup-venv.sh
  stage "cargo clippy"
  cargo clippy --workspace --all-targets --quiet -- -D warnings
  stage "pipeline tests without the retraining (pytest -m 'not slow')"
  (cd models/train && .venv/bin/python -m pytest -q -p no:cacheprovider -m "not slow")
  rust_tests
  stage "quick tier done"
  exit 0
fi

scripts/setup-ort.sh
# Downloads (PyPI, Debian, npm) in the background; compiles in the foreground.
downloads_log="$(mktemp)"
(
  models/train/setup-venv.sh
  scripts/setup-web.sh
  infra/setup-tools.sh
  scripts/setup-qemu.sh
) >"$downloads_log" 2>&1 &
downloads=$!
# s3s-fs builds before the Rust tests, not beside them: beside, the stage took 8 min 35 s
# against 7 min 21 s
stage "set-up: s3s-fs; building the Rust tests (downloads in the background)"
scripts/setup-s3s.sh
cargo test --workspace --features hitcast-lambda/external-tests,hitcast/remote --no-run --quiet
if ! wait "$downloads"; then
  cat "$downloads_log" >&2
  echo "set-up failed" >&2
  exit 1
fi
cat "$downloads_log"
rm -f "$downloads_log"

stage "pipeline tests (pytest)"
(cd models/train && .venv/bin/python -m pytest -q -p no:cacheprovider)

stage "deployment checks (pytest: cfn-lint, checkov, Dockerfile, arm64 package)"
(cd infra && .venv/bin/python -m pytest -q -p no:cacheprovider -s tests)

stage "fuzz smoke (libFuzzer, ${HITCAST_FUZZ_SECONDS:-20} s per target)"
# a smoke: built at opt-level 1 (~40 s less; scripts/fuzz.sh alone builds at 3)
CARGO_PROFILE_RELEASE_OPT_LEVEL="${CARGO_PROFILE_RELEASE_OPT_LEVEL:-1}" scripts/fuzz.sh "${HITCAST_FUZZ_SECONDS:-20}"

rust_tests --features hitcast-lambda/external-tests,hitcast/remote
