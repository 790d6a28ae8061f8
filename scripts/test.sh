#!/usr/bin/env bash
# Installs the Debian packages (idempotent), builds flexmac twice and runs the whole test suite on each build:
#   1. Release                      (build/)       full-size data set checks
#   2. Debug + ASan + UBSan         (build-asan/)  the same tests on subsets
# Tests that need ../shared skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
bash scripts/install-deps.sh

echo "== Release build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
(cd build && FLEXMAC_TEST_SCALE=full ctest --output-on-failure -j1)

echo "== Debug build with AddressSanitizer and UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DFLEXMAC_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && FLEXMAC_TEST_SCALE=quick ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j1)
