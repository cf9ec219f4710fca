#!/usr/bin/env bash
# Store the Discord bot's secrets in SSM Parameter Store as SecureString parameters (encrypted
# with the account's aws/ssm key), under PREFIX (default /hitcast/, the template's SecretsPrefix):
#   discord-public-key     the application's public key (General Information page)
#   spotify-client-id      the Spotify app's client id
#   spotify-client-secret  the Spotify app's client secret
#   discord-token          the bot token, read only by infra/register.sh (the function never gets it)
# Values come from DISCORD_PUBLIC_KEY, SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET, DISCORD_TOKEN,
# or are asked for without echo. They are sent on stdin, never on a command line.
set -euo pipefail
prefix="${PREFIX:-/hitcast/}"
command -v aws >/dev/null || { echo "error: the AWS CLI is missing: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html" >&2; exit 1; }
put() { # name, variable, prompt
  local value="${!2:-}"
  if [ -z "$value" ]; then
    read -rsp "$3: " value; echo >&2
  fi
  [ -n "$value" ] || { echo "error: $2 is empty" >&2; exit 1; }
  python3 -c 'import json,sys; print(json.dumps({"Name": sys.argv[1], "Value": sys.stdin.read().rstrip("\n"), "Type": "SecureString", "Overwrite": True}))' "$prefix$1" <<<"$value" \
    | aws ssm put-parameter --cli-input-json file:///dev/stdin >/dev/null
  echo "stored $prefix$1 (SecureString)" >&2
}
put discord-public-key DISCORD_PUBLIC_KEY "Discord application public key"
put spotify-client-id SPOTIFY_CLIENT_ID "Spotify client id"
put spotify-client-secret SPOTIFY_CLIENT_SECRET "Spotify client secret"
put discord-token DISCORD_TOKEN "Discord bot token (for infra/register.sh)"
