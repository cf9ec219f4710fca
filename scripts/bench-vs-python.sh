#!/usr/bin/env bash
# The model's speed in the Rust core and in Python onnxruntime, side by side in one run, on one
# core each (taskset -c 0): one track (Rust: validation + derived inputs + model; Python: the bare
# model) and a batch of 1024. Numbers go to BENCHMARKS.md.
#   scripts/bench-vs-python.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup-ort.sh >&2
models/train/setup-venv.sh >&2
pin=(); command -v taskset >/dev/null && pin=(taskset -c 0)
echo "== Rust core (criterion, one core)"
"${pin[@]}" cargo bench --quiet --bench predict -- --noplot 'predict_one|predict_batch/1024|run_raw' 2>&1 \
  | grep -E "^(predict|run_raw)|time:|thrpt:"
echo "== Python onnxruntime $(models/train/.venv/bin/python -c 'import onnxruntime; print(onnxruntime.__version__)'), bare model, one thread"
"${pin[@]}" models/train/.venv/bin/python benches/python_ort.py models/hitcast.onnx
