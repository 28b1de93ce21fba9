#!/bin/sh
# Installs the Debian 12 packages that ombus needs to build, test and run its demo, and to
# build and check its Debian package: libjemalloc-dev for om-sub's allocator, man-db for
# the man page test, systemd for systemd-analyze verify, iproute2 for the multi-host test's
# network namespaces, tmux for the live view's test, debhelper and lintian for the package,
# clang-14 and libFuzzer for scripts/fuzz.sh.
# With --bench, also the peers that the benchmarks measure ombus against (nats-server and
# libnats-dev, redis-server and libhiredis-dev for bench_pipeline; mosquitto and
# libmosquitto-dev for bench_scale's late joiner): benchmarks only, no test needs them.
# Idempotent: when every package is already installed it returns at once
# without touching apt.
#   ./scripts/install-deps.sh [--bench]
set -eu

PACKAGES="build-essential cmake pkg-config git \
libzmq3-dev cppzmq-dev libsimdjson-dev nlohmann-json3-dev libtoml11-dev catch2 \
libcli11-dev libfmt-dev libjemalloc-dev python3 python3-zmq \
man-db groff-base systemd procps iproute2 tmux \
debhelper dpkg-dev fakeroot lintian \
clang-14 libfuzzer-14-dev libclang-rt-14-dev"
if [ "${1:-}" = "--bench" ]; then
    PACKAGES="$PACKAGES nats-server libnats-dev redis-server libhiredis-dev mosquitto libmosquitto-dev"
fi

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

echo "install-deps: installing$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
