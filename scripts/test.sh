#!/bin/sh
# Installs what is missing, builds ombus and runs every test (unit, integration, benchmark
# smoke runs). With --sanitize, does the same in a separate AddressSanitizer +
# UndefinedBehaviorSanitizer build (build-asan/).
#   ./scripts/test.sh [--sanitize]
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh

BUILD=build
FLAGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DOMBUS_WERROR=ON"
if [ "${1:-}" = "--sanitize" ]; then
    BUILD=build-asan
    FLAGS="-DCMAKE_BUILD_TYPE=Debug -DOMBUS_SANITIZE=ON -DOMBUS_WERROR=ON"
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fi

# shellcheck disable=SC2086
cmake -S . -B "$BUILD" $FLAGS >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" --timeout 300
