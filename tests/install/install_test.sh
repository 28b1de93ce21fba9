#!/bin/sh
# `cmake --install` gives the tree an operator expects: a DESTDIR install with prefix /usr is
# listed and compared with the expected files, the installed configs point at the units'
# state and runtime directories, an edited config survives a second install, the installed
# program runs, and the units pass `systemd-analyze verify` (installed again under a
# temporary prefix, so that their ExecStart programs and man pages exist).
#   install_test.sh BUILD_DIR
set -u
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

D="$tmp/D"
DESTDIR="$D" cmake --install "$build" --prefix /usr >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; echo "FAIL: cmake --install"; exit 1; }

(cd "$D" && find . -type f -o -type l | sed 's|^\.||' | sort) >"$tmp/got"
sort >"$tmp/want" <<'LIST'
/etc/om/broker.toml
/etc/om/node.toml
/etc/om/relay.toml
/lib/systemd/system/om-broker.service
/lib/systemd/system/om-pub.service
/lib/systemd/system/om-relay.service
/lib/systemd/system/om-sub-hooks.service
/usr/bin/om-broker
/usr/bin/om-pub
/usr/bin/om-relay
/usr/bin/om-sub
/usr/share/doc/ombus/README.md
/usr/share/doc/ombus/deploy.md
/usr/share/doc/ombus/examples/follow_state.cpp
/usr/share/doc/ombus/examples/follow_state.py
/usr/share/doc/ombus/protocol.md
/usr/share/man/man1/om-sub.1
/usr/share/man/man5/ombus.toml.5
/usr/share/man/man7/ombus-protocol.7
/usr/share/man/man8/om-broker.8
/usr/share/man/man8/om-pub.8
/usr/share/man/man8/om-relay.8
LIST
diff -u "$tmp/want" "$tmp/got" >"$tmp/diff" || { cat "$tmp/diff"; bad "installed files differ from the expected list"; }
sort "$build/install_manifest.txt" | diff -u "$tmp/got" - >"$tmp/diff" ||
    { cat "$tmp/diff"; bad "install_manifest.txt differs from the installed files"; }

# The installed defaults are where the units keep state and the control socket.
grep -qx 'journal = "/var/lib/om/broker.journal"' "$D/etc/om/broker.toml" || bad "broker.toml: journal not in /var/lib/om"
grep -qx 'control = "ipc:///run/om/om-pub.sock"' "$D/etc/om/node.toml" || bad "node.toml: control not in /run/om"
grep -qx 'cursor = "/var/lib/om/hooks.cursor"' "$D/etc/om/node.toml" || bad "node.toml: cursor not in /var/lib/om"
grep -qx 'ExecStart=/usr/bin/om-broker --config /etc/om/broker.toml' "$D/lib/systemd/system/om-broker.service" || bad "om-broker.service: ExecStart"
grep -qx 'ExecStart=/usr/bin/om-pub --config /etc/om/node.toml' "$D/lib/systemd/system/om-pub.service" || bad "om-pub.service: ExecStart"
grep -qx 'ExecStart=/usr/bin/om-sub hooks --config /etc/om/node.toml' "$D/lib/systemd/system/om-sub-hooks.service" || bad "om-sub-hooks.service: ExecStart"
grep -qx 'ExecStart=/usr/bin/om-relay --config /etc/om/relay.toml' "$D/lib/systemd/system/om-relay.service" || bad "om-relay.service: ExecStart"
for u in "$D"/lib/systemd/system/*.service; do
    grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$u" || bad "$(basename "$u"): no SIGHUP reload"
    grep -qx 'Restart=on-failure' "$u" || bad "$(basename "$u"): no Restart=on-failure"
done
grep -qE '@[A-Z_]+@' "$D"/lib/systemd/system/*.service && bad "a unit has an unfilled @VARIABLE@"

# The installed programs run, and the configs they install load without a warning.
"$D/usr/bin/om-broker" --version | grep -q '^om-broker ' || bad "installed om-broker --version"
# On endpoints of its own (no broker there): only the loading of the file is looked at, never
# a broker that happens to listen on the default port.
out=$("$D/usr/bin/om-sub" status --config "$D/etc/om/node.toml" --pub "ipc://$tmp/pub" \
    --api "ipc://$tmp/api" --connect-timeout 100ms 2>&1)
case "$out" in *warning*|*"$D/etc/om/node.toml:"*) bad "installed node.toml does not load cleanly: $out" ;; esac
# The relay's file: it loads without a warning (the relay bound to ipc here, its upstream
# absent; SIGTERM once its log says it relays).
"$D/usr/bin/om-relay" --config "$D/etc/om/relay.toml" --pub "ipc://$tmp/rpub" --api "ipc://$tmp/rapi" \
    --upstream-pub "ipc://$tmp/none-pub" --upstream-api "ipc://$tmp/none-api" --api-timeout 100ms \
    >"$tmp/relay.log" 2>&1 &
relay_pid=$!
i=0
until grep -q 'relaying' "$tmp/relay.log" || [ $i -ge 100 ]; do i=$((i + 1)); sleep 0.1; done
kill "$relay_pid" 2>/dev/null; wait "$relay_pid" 2>/dev/null
grep -q 'relaying' "$tmp/relay.log" || bad "installed om-relay did not start: $(cat "$tmp/relay.log")"
case "$(cat "$tmp/relay.log")" in *warning*|*"$D/etc/om/relay.toml:"*) bad "installed relay.toml does not load cleanly: $(cat "$tmp/relay.log")" ;; esac
out=$("$D/usr/bin/om-broker" --config "$D/etc/om/broker.toml" --keygen 2>&1)
case "$out" in *public_key*) ;; *) bad "om-broker --keygen: $out" ;; esac

# An operator's edit survives a second install; the new default lands beside it.
echo '# edited by the operator' >>"$D/etc/om/node.toml"
DESTDIR="$D" cmake --install "$build" --prefix /usr >"$tmp/install2.log" 2>&1 || bad "second cmake --install"
grep -q '^# edited by the operator$' "$D/etc/om/node.toml" || bad "the edited node.toml was overwritten"
[ -f "$D/etc/om/node.toml.new" ] || bad "no node.toml.new beside the edited node.toml"
[ -f "$D/etc/om/broker.toml.new" ] && bad "broker.toml.new written though broker.toml was not edited"

# systemd-analyze verify, on units whose programs and man pages exist under the prefix.
if command -v systemd-analyze >/dev/null; then
    P="$tmp/prefix"
    cmake --install "$build" --prefix "$P" >"$tmp/install3.log" 2>&1 || bad "cmake --install --prefix $P"
    for u in "$P"/lib/systemd/system/*.service; do
        out=$(MANPATH="$P/share/man" systemd-analyze verify "$u" 2>&1) ||
            bad "systemd-analyze verify $(basename "$u"): $out"
        [ -z "$out" ] || bad "systemd-analyze verify $(basename "$u") warns: $out"
    done
else
    bad "systemd-analyze is not installed (scripts/install-deps.sh installs systemd)"
fi

[ "$fail" -eq 0 ] && echo "install tree: $(wc -l <"$tmp/got") files as expected; units verified"
exit "$fail"
