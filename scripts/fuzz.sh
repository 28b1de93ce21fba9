#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz/ with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (in build-fuzz/), and runs each for SECONDS (default 60) on a
# copy of its seed corpus (tests/fuzz/corpus/<target>/). A crash, a leak or a failed
# property stops that target: its input is saved as build-fuzz/artifacts/<target>/crash-*
# and the script exits 1 after the other targets have run. Prints each target's executions.
#   ./scripts/fuzz.sh [SECONDS] [TARGET...]
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"fuzz_heartbeat fuzz_api_request fuzz_filter fuzz_config fuzz_replica fuzz_meta"}

CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOMBUS_FUZZ=ON -DOMBUS_TESTS=OFF -DOMBUS_WERROR=ON >/dev/null
# shellcheck disable=SC2086
cmake --build build-fuzz -j"$(nproc)" --target $targets

failed=""
for t in $targets; do
    work="build-fuzz/corpus/$t"
    art="build-fuzz/artifacts/$t/"
    rm -rf "$work" "$art"
    mkdir -p "$work" "$art"
    cp tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
    log="build-fuzz/$t.log"
    if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "build-fuzz/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$art" -print_final_stats=1 "$work" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "fuzz: $t: $runs executions in ${seconds}s, nothing found (corpus $(ls "$work" | wc -l) inputs)"
    else
        echo "fuzz: $t: FAILED, input saved in $art:"
        ls "$art"
        grep -E "ERROR|SUMMARY|abort|terminate|what\(\)" "$log" | head -10
        # The input itself, for a CI log that outlives its machine: base64 -d it into a
        # file and run build-fuzz/tests/fuzz/<target> on that file.
        for f in "$art"*; do
            [ -f "$f" ] && echo "fuzz: $(basename "$f") (base64): $(head -c 4096 "$f" | base64 -w0)"
        done
        failed="$failed $t"
    fi
done
[ -z "$failed" ] || { echo "fuzz: failed:$failed"; exit 1; }
