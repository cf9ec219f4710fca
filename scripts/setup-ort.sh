#!/usr/bin/env bash
# Fetch the ONNX Runtime shared library (1.31.1) that `ort` loads at run time, from the PyPI
# `onnxruntime` wheel (the only registry this project relies on), into .ort/<arch>/.
#   scripts/setup-ort.sh            # host architecture
#   scripts/setup-ort.sh aarch64    # for the arm64 Lambda package
# Idempotent: does nothing when the library is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version=1.31.1
arch="${1:-$(uname -m)}"
case "$arch" in
  x86_64|amd64) arch=x86_64 ;;
  aarch64|arm64) arch=aarch64 ;;
  *) echo "error: unsupported architecture '$arch' (x86_64 or aarch64)" >&2; exit 2 ;;
esac
dest="$root/.ort/$arch"
lib="$dest/libonnxruntime.so"
if [ -f "$lib" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "error: $python is needed to download the onnxruntime wheel from PyPI" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "fetching ONNX Runtime $version ($arch) from the PyPI onnxruntime wheel" >&2
"$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --platform "manylinux_2_28_$arch" --python-version 3.12 "onnxruntime==$version" -d "$tmp"
wheel="$(ls "$tmp"/onnxruntime-*.whl)"
"$python" - "$wheel" "$tmp/x" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if "/capi/libonnxruntime.so" in n:
            z.extract(n, sys.argv[2])
PY
so="$(find "$tmp/x" -name "libonnxruntime.so.$version" | head -n1)"
[ -n "$so" ] || { echo "error: libonnxruntime.so.$version not found in $wheel" >&2; exit 1; }
mkdir -p "$dest"
cp "$so" "$lib.tmp" && mv "$lib.tmp" "$lib"
echo "$version" > "$dest/VERSION"
echo "ONNX Runtime $version ready at ${lib#$root/}" >&2
