#!/bin/sh
# The Debian package on this machine (root: it installs system-wide; CI runs it from
# .ci/run): dpkg -i installs the programs, conffiles, enabled units and man pages; the units
# pass systemd-analyze verify; a removal keeps /etc/om's edits; dpkg --purge leaves nothing
# behind (the files under /etc, /lib, /usr and /var/lib are those of before the install).
#   package_test.sh DIST/ombus_VERSION_ARCH.deb
set -u
deb=$1
fail=0
bad() { echo "FAIL: $*"; fail=1; }
[ "$(id -u)" -eq 0 ] || { echo "package test: skipped: needs root (dpkg -i)"; exit 77; }
[ -f "$deb" ] || { echo "FAIL: no package $deb"; exit 1; }
export DEBIAN_FRONTEND=noninteractive
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What exists outside dpkg's and apt's own state, before and after.
snapshot() {
    find /etc /lib/systemd /usr/bin /usr/share/doc /usr/share/man /var/lib /run/om \
        -xdev 2>/dev/null | grep -vE '^/var/lib/(dpkg|apt|ucf)(/|$)|^/etc/ld.so.cache$' | sort
}
dpkg -s ombus >/dev/null 2>&1 && dpkg --purge ombus >/dev/null
snapshot >"$tmp/before"

dpkg -i "$deb" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; echo "FAIL: dpkg -i"; exit 1; }
/usr/bin/om-broker --version | grep -q '^om-broker ' || bad "/usr/bin/om-broker --version"
/usr/bin/om-pub --version | grep -q '^om-pub ' || bad "/usr/bin/om-pub --version"
/usr/bin/om-sub --version | grep -q '^om-sub ' || bad "/usr/bin/om-sub --version"
/usr/bin/om-relay --version | grep -q '^om-relay ' || bad "/usr/bin/om-relay --version"
for u in om-broker om-pub om-sub-hooks; do
    [ -f "/lib/systemd/system/$u.service" ] || bad "no /lib/systemd/system/$u.service"
    [ -L "/etc/systemd/system/multi-user.target.wants/$u.service" ] || bad "$u.service is not enabled"
done
# om-relay's unit is installed but left off: a relay runs where an operator enables it.
[ -L /etc/systemd/system/multi-user.target.wants/om-relay.service ] && bad "om-relay.service is enabled"
for u in om-broker om-pub om-sub-hooks om-relay; do
    out=$(systemd-analyze verify "/lib/systemd/system/$u.service" 2>&1) || bad "systemd-analyze verify $u.service: $out"
    [ -z "$out" ] || bad "systemd-analyze verify $u.service warns: $out"
done
for page in man1/om-sub.1 man5/ombus.toml.5 man7/ombus-protocol.7 man8/om-broker.8 man8/om-pub.8 man8/om-relay.8; do
    [ -f "/usr/share/man/$page.gz" ] || bad "no /usr/share/man/$page.gz"
done
man -w om-broker >/dev/null 2>&1 || bad "man om-broker: not found by man"
conffiles=$(dpkg-query -W -f='${Conffiles}' ombus)
for f in /etc/om/broker.toml /etc/om/node.toml /etc/om/relay.toml; do
    echo "$conffiles" | grep -q " $f " || bad "$f is not a conffile"
done
grep -qx 'journal = "/var/lib/om/broker.journal"' /etc/om/broker.toml || bad "installed broker.toml: journal"

# A removal keeps an operator's edit, and a new install keeps it too; purge removes it.
echo '# edited by the operator' >>/etc/om/node.toml
mkdir -p /var/lib/om && echo state >/var/lib/om/hooks.cursor # what the daemons write
dpkg -r ombus >"$tmp/remove.log" 2>&1 || { cat "$tmp/remove.log"; bad "dpkg -r"; }
[ ! -e /usr/bin/om-broker ] || bad "dpkg -r left /usr/bin/om-broker"
grep -q '^# edited by the operator$' /etc/om/node.toml 2>/dev/null || bad "dpkg -r lost the edit of /etc/om/node.toml"
dpkg -i "$deb" >"$tmp/install2.log" 2>&1 || { cat "$tmp/install2.log"; bad "dpkg -i again"; }
grep -q '^# edited by the operator$' /etc/om/node.toml || bad "the new install overwrote /etc/om/node.toml"

dpkg --purge ombus >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log"; bad "dpkg --purge"; }
snapshot >"$tmp/after"
diff -u "$tmp/before" "$tmp/after" >"$tmp/left" || { cat "$tmp/left"; bad "dpkg --purge left files behind"; }

[ "$fail" -eq 0 ] && echo "package: installed, verified, removed with its edits kept, purged leaving nothing"
exit "$fail"
