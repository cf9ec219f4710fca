#!/usr/bin/env bash
# Fuzz with libFuzzer (cargo fuzz, nightly): the HTTP API's transport-free handler on raw bytes
# (api_raw) and on JSON built from the keys it knows (api_json), the CLI's JSON/CSV readers
# (cli_readers) and the bot's Spotify link parser (bot_link).
#   scripts/fuzz.sh                 # 30 s per target (what CI runs)
#   scripts/fuzz.sh 600             # 10 minutes per target
#   scripts/fuzz.sh 120 api_json    # one target
# Seeds and regression inputs (the reproducers of issue #10) are in fuzz/corpus/<target>/;
# new inputs go to fuzz/corpus-work/ and crashes to fuzz/artifacts/<target>/ (both ignored by git).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(api_raw api_json cli_readers bot_link)
scripts/setup-ort.sh >/dev/null
export PATH="$root/.tools/bin:$PATH"
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzzing needs the nightly toolchain (rustup toolchain install nightly --profile minimal)" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz into .tools/"
  cargo install --quiet --root .tools cargo-fuzz --locked
fi
export ORT_DYLIB_PATH="$root/.ort/$(uname -m)/libonnxruntime.so"
cd fuzz
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "corpus-work/$t" "artifacts/$t"
  echo "== fuzz $t for ${seconds} s"
  # no sanitizer: the project forbids unsafe code; libFuzzer looks for panics, hangs and memory blow-ups
  cargo +nightly fuzz run --sanitizer none "$t" "corpus-work/$t" "corpus/$t" -- \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 -timeout=10 \
    -artifact_prefix="artifacts/$t/" -print_final_stats=1 2>&1 | grep -E '^(#[0-9]+ *DONE|stat::number_of_executed_units|==|.*panicked|.*ERROR|SUMMARY)' || true
  if [ -n "$(ls -A "artifacts/$t")" ]; then
    echo "fuzz $t found crashes: fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
echo "== fuzzing: ${#targets[@]} target(s) × ${seconds} s, no crash"
