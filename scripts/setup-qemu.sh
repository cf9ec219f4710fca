#!/usr/bin/env bash
# qemu-user and Debian's aarch64 C runtime (glibc, libstdc++, libgcc), so the tests can run the
# arm64 Lambda packages' `bootstrap` on an x86_64 machine (infra/tests: the arm64 prediction).
# Idempotent. Needs apt-get and root; without them it says so and the emulated test is skipped.
set -euo pipefail
[ "$(uname -m)" = aarch64 ] && exit 0  # native: nothing to emulate
if command -v qemu-aarch64 >/dev/null && [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] \
   && [ -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null || [ "$(id -u)" != 0 ]; then
  echo "note: qemu-user and the aarch64 runtime are missing and cannot be installed here (apt-get as root);" \
       "the arm64 emulation test will be skipped" >&2
  exit 0
fi
echo "installing qemu-user and the aarch64 runtime (Debian packages)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends qemu-user libc6-arm64-cross libstdc++6-arm64-cross \
  libgcc-s1-arm64-cross >/dev/null 2>&1 || {
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends qemu-user libc6-arm64-cross libstdc++6-arm64-cross \
    libgcc-s1-arm64-cross >/dev/null
}
