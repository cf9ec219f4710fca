#!/usr/bin/env bash
# Set up what the CLI needs (the ONNX Runtime library) and run `hitcast` on the embedded model.
#   scripts/run.sh                          # rank the example album
#   scripts/run.sh predict examples/track.json
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup-ort.sh
[ $# -gt 0 ] || set -- rank examples/album.csv
exec cargo run --quiet --release --bin hitcast -- "$@"
