#!/bin/sh
# Installs what is missing, builds ombus and runs the main job. Until the broker exists,
# the main job is the core library's benchmark.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
exec ./build/tests/bench/bench_lib
