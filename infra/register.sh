#!/usr/bin/env bash
# Register /predict, /album and /model with Discord for the serverless bot, with the bot token
# stored by infra/secrets.sh (or DISCORD_TOKEN if set). Extra arguments go to
# `hitcast-interactions register` (e.g. --guild 123456789012345678 for one server, instantly).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${PREFIX:-/hitcast/}"
if [ -z "${DISCORD_TOKEN:-}" ]; then
  command -v aws >/dev/null || { echo "error: set DISCORD_TOKEN, or install the AWS CLI to read it from SSM" >&2; exit 1; }
  DISCORD_TOKEN="$(aws ssm get-parameter --with-decryption --name "${prefix}discord-token" --query Parameter.Value --output text)"
fi
export DISCORD_TOKEN
"$root/scripts/setup-ort.sh" >/dev/null
cargo run --quiet --release -p hitcast-bot --bin hitcast-interactions -- register "$@"
