#!/bin/bash
# The ombus demo: installs what is missing, builds, then starts a broker and three node
# publishers on loopback, drives a little life (service ha1 starting, started, frozen,
# thawed, with `om-pub set` and `om-pub emit`) and shows the stream with `om-sub events`.
# Ctrl-C stops every process it started.
#   ./scripts/demo.sh [--cycles N]     (default: until Ctrl-C)
set -euo pipefail
cd "$(dirname "$0")/.."
CYCLES=0
if [ "${1:-}" = "--cycles" ]; then CYCLES="${2:?--cycles needs a number}"; fi

./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
BIN=build
RUN=$(mktemp -d "${XDG_RUNTIME_DIR:-/tmp}/ombus-demo.XXXXXX")
PIDS=()

stop() {
    trap - INT TERM EXIT
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$RUN"
    echo "demo: stopped every process it started" >&2
}
trap stop EXIT
# An interrupt ends the script too, even one sent to this shell alone (not to its group).
trap 'stop; exit 130' INT TERM

# The broker on its default endpoints (tcp://127.0.0.1:1215, 1216, 1217), so that
# `om-sub status` and `om-sub wait` work from another terminal without flags.
$BIN/broker/om-broker --config conf/broker.toml 2>"$RUN/broker.log" &
PIDS+=($!)
for n in n1 n2 n3; do
    $BIN/publisher/om-pub --config conf/node.toml --nodename $n --control "ipc://$RUN/$n.sock" --interval 2s 2>"$RUN/$n.log" &
    PIDS+=($!)
done
# Wait for the cluster: every node visible in the broker's status.
for _ in $(seq 100); do
    if [ "$($BIN/subscribers/om-sub status --config conf/node.toml --filter 'cluster.nodes' 2>/dev/null | grep -c '"n[123]"')" = 3 ]; then break; fi
    sleep 0.1
done
echo "demo: broker and nodes n1 n2 n3 up; logs in $RUN. Try in another terminal:" >&2
echo "  $BIN/subscribers/om-sub status --filter monitor.services" >&2
echo "  $BIN/subscribers/om-sub wait --filter 'monitor.services.ha1.frozen=frozen' --duration 30s" >&2

# The stream, filtered to what the demo changes (not the nodes' /proc statistics).
$BIN/subscribers/om-sub events --config conf/node.toml --filter 'data~services|frozen|hb_|instance|monitor_started' &
PIDS+=($!)
sleep 0.5

pub() { local node=$1; shift; $BIN/publisher/om-pub --control "ipc://$RUN/$node.sock" "$@"; }
for n in n1 n2 n3; do pub $n set services.status.ha1.avail=down services.status.ha1.frozen=false services.status.ha1.topology=failover services.status.ha1.provisioned=true; done

cycle=0
while [ "$CYCLES" -eq 0 ] || [ "$cycle" -lt "$CYCLES" ]; do
    cycle=$((cycle + 1))
    pub n1 set services.status.ha1.monitor.status=starting services.status.ha1.monitor.global_expect=started
    pub n1 emit instance_start --reason target --svcname ha1
    sleep 1
    pub n1 set services.status.ha1.avail=up services.status.ha1.monitor.status=idle
    sleep 1
    for n in n1 n2 n3; do pub $n set services.status.ha1.frozen=true services.status.ha1.monitor.global_expect=frozen; done
    pub n1 emit instance_freeze --reason target --svcname ha1
    pub n1 set "frozen=$(date +%s)"
    sleep 1
    for n in n1 n2 n3; do pub $n set services.status.ha1.frozen=false services.status.ha1.monitor.global_expect=thawed; done
    pub n1 emit instance_thaw --reason target --svcname ha1
    pub n1 set frozen=0
    sleep 1
    pub n1 set services.status.ha1.avail=down
    sleep 1
done
