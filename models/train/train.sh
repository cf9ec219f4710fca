#!/usr/bin/env bash
# Train Hitcast's model: creates models/train/.venv from requirements.txt, then runs the pipeline.
#   models/train/train.sh                         # reads ../shared/data, writes models/
#   models/train/train.sh --data DIR              # another data folder laid out the same way
#   models/train/train.sh --kaggle spotify_data.csv --artists artist_pop.csv
#   models/train/train.sh --out /tmp/model        # write somewhere else
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup-venv.sh" >&2
cd "$here"
exec "$here/.venv/bin/python" -m hitcast_train "$@"
