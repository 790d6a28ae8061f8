#!/usr/bin/env bash
# The main job on the embedded default: installs the Debian packages, builds
# flexmac, and evaluates the project's Fashion-MNIST LeNet (models/) on the
# Fashion-MNIST test set in float and at FxP8, FxP6 and FxP4, as one table.
# Extra arguments go to `flexmac compare` (e.g. --json out.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
exec ./build/flexmac compare "$@"
