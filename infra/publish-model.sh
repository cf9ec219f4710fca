#!/usr/bin/env bash
# Upload a model to the stack's model bucket and print the parameters to deploy with.
#   infra/publish-model.sh BUCKET [MODEL_FILE]     (default models/hitcast.onnx)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bucket="${1:?usage: infra/publish-model.sh BUCKET [MODEL_FILE]  (BUCKET: the stack output ModelBucketName)}"
model="${2:-$root/models/hitcast.onnx}"
command -v aws >/dev/null || { echo "error: the AWS CLI is missing: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html" >&2; exit 1; }
[ -f "$model" ] || { echo "error: $model not found" >&2; exit 1; }
sha="$(sha256sum "$model" | cut -d' ' -f1)"
key="models/hitcast-${sha:0:12}.onnx"
aws s3 cp "$model" "s3://$bucket/$key" --only-show-errors
echo "uploaded s3://$bucket/$key"
echo
echo "deploy it with:"
echo "  infra/deploy.sh UseS3Model=true ModelKey=$key ModelSha256=$sha"
