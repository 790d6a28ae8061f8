#!/usr/bin/env bash
# Installs the Debian 12 packages flexmac needs to build, test and run.
# Idempotent; run as root (or with sudo available).
set -euo pipefail
PKGS=(build-essential cmake pkg-config
      libprotobuf-c-dev protobuf-c-compiler libonnx-dev
      libopenblas-dev libcmocka-dev libcjson-dev
      zlib1g-dev libpng-dev libjpeg-dev
      libdnnl-dev dataset-fashion-mnist)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
