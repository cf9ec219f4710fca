#!/usr/bin/env bash
# Deploy (or update) the stack with AWS SAM. Extra KEY=VALUE arguments are template parameters.
# Prints the Interactions Endpoint URL to paste into the Discord developer portal.
#   infra/deploy.sh                                   # first deploy: embedded model
#   infra/deploy.sh UseS3Model=true ModelKey=models/hitcast-abc.onnx ModelSha256=…
# Environment: STACK (default hitcast), AWS_REGION / AWS_PROFILE as usual.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stack="${STACK:-hitcast}"
command -v sam >/dev/null || { echo "error: AWS SAM CLI is missing: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html" >&2; exit 1; }
command -v aws >/dev/null || { echo "error: the AWS CLI is missing: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html" >&2; exit 1; }
for zip in "$root/target/lambda/hitcast-lambda.zip" "$root/target/lambda/hitcast-interactions.zip"; do
  [ -f "$zip" ] || { echo "error: $zip not found: run infra/package.sh first" >&2; exit 1; }
done
params=()
[ $# -gt 0 ] && params=(--parameter-overrides "$@")
sam deploy \
  --template-file "$root/infra/template.yaml" \
  --stack-name "$stack" \
  --capabilities CAPABILITY_IAM \
  --resolve-s3 \
  --no-fail-on-empty-changeset \
  "${params[@]}"
aws cloudformation describe-stacks --stack-name "$stack" --query "Stacks[0].Outputs" --output table
url="$(aws cloudformation describe-stacks --stack-name "$stack" --query "Stacks[0].Outputs[?OutputKey=='InteractionsUrl'].OutputValue" --output text)"
cat <<MSG

Discord: paste this into your application's General Information page, "Interactions Endpoint URL"
(the secrets must be in SSM first: infra/secrets.sh; Discord checks the URL when you save):

  $url

Then register the commands once: infra/register.sh [--guild SERVER_ID]
MSG
