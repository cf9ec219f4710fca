#!/usr/bin/env bash
# Fuzz with libFuzzer (libfuzzer-sys, built with the stable toolchain; no cargo-fuzz, no nightly): the HTTP API's transport-free handler on raw bytes
# (api_raw) and on JSON built from the keys it knows (api_json), the CLI's JSON/CSV readers
# (cli_readers), the bot's Spotify link parser (bot_link) and the interactions endpoint's
# signature check (bot_verify), the audio decoder and analysis (audio).
#   scripts/fuzz.sh                 # 30 s per target
#   scripts/fuzz.sh 600             # 10 minutes per target
#   scripts/fuzz.sh 120 api_json    # one target
# HITCAST_FUZZ_JOBS (default: the number of cores) targets run at once, each on one core.
# Seeds and regression inputs (the reproducers of issue #10) are in fuzz/corpus/<target>/;
# new inputs go to fuzz/corpus-work/ and crashes to fuzz/artifacts/<target>/ (both ignored by git).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(api_raw api_json cli_readers bot_link bot_verify audio)
jobs="${HITCAST_FUZZ_JOBS:-$(nproc)}"
scripts/setup-ort.sh >/dev/null
export PATH="$root/.tools/bin:$PATH"
export ORT_DYLIB_PATH="$root/.ort/$(uname -m)/libonnxruntime.so"
cd fuzz
# Built the way `cargo fuzz build --sanitizer none` builds (libFuzzer's coverage instrumentation,
# `--cfg fuzzing`, debug assertions and overflow checks on), with stable flags only, so neither
# cargo-fuzz nor a nightly toolchain is needed. No sanitizer: the project forbids unsafe code; libFuzzer looks for panics, hangs and memory blow-ups.
triple="$(rustc -vV | sed -n 's/^host: //p')"
export CARGO_TARGET_DIR="$root/fuzz/target"
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cllvm-args=-sanitizer-coverage-stack-depth \
-Cdebug-assertions -Coverflow-checks"
echo "== building the fuzz targets"
bins=()
for t in "${targets[@]}"; do bins+=(--bin "$t"); done
cargo build --quiet --release --target "$triple" "${bins[@]}"
run() {
  local t="$1"
  mkdir -p "corpus/$t" "corpus-work/$t" "artifacts/$t"
  # the audio target starts from the shared clips (not committed: ../shared/audio), each cut to
  # the length limit below, with a first byte that picks the extension hint (0 = ogg)
  if [ "$t" = audio ] && [ -d "$root/../shared/audio" ]; then
    for clip in "$root"/../shared/audio/*.ogg; do
      { printf '\0'; head -c 65535 "$clip"; } >"corpus-work/$t/seed-$(basename "$clip" .ogg)"
    done
  fi
  # and from the committed MP3, M4A and FLAC fixtures (first byte 255: the mp3 hint; the content decides)
  if [ "$t" = audio ]; then
    for f in "$root"/audio/tests/fixtures/*; do
      { printf '\377'; head -c 65535 "$f"; } >"corpus-work/$t/seed-fixture-$(basename "$f")"
    done
  fi
  "target/$triple/release/$t" "corpus-work/$t" "corpus/$t" \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 -timeout=10 \
    -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"artifacts/$t.log" 2>&1 || true
}
running=0
for t in "${targets[@]}"; do
  echo "== fuzz $t for ${seconds} s"
  run "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true
failed=0
for t in "${targets[@]}"; do
  runs=$(grep -E '^stat::number_of_executed_units' "artifacts/$t.log" | awk '{print $2}')
  echo "fuzz $t: ${runs:-0} runs"
  if [ -z "$runs" ]; then
    tail -20 "artifacts/$t.log" >&2
    echo "fuzz $t did not run" >&2
    failed=1
  elif [ -n "$(ls -A "artifacts/$t")" ]; then
    grep -E 'panicked|ERROR|SUMMARY' "artifacts/$t.log" >&2 || true
    echo "fuzz $t found crashes: fuzz/artifacts/$t/" >&2
    failed=1
  fi
done
[ "$failed" -eq 0 ] || exit 1
echo "== fuzzing: ${#targets[@]} target(s) × ${seconds} s, no crash"
