#!/bin/sh
# The man pages are one source of truth with the programs and the config files: every flag a
# program's --help (and each verb's) shows is described in its page, every verb has its
# entry, every key of conf/*.toml is an entry of ombus.toml(5), and each page renders with
# `man --warnings` without a warning.
#   man_test.sh SOURCE_DIR OM_BROKER OM_PUB OM_SUB OM_RELAY
set -u
src=$1 broker=$2 pub=$3 sub=$4 relay=$5
man_dir="$src/docs/man"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# The words of a roff source as they read: \- as -, font changes gone.
flat() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(dq/"/g' "$1"; }

# check_flags PAGE PROGRAM [VERB]: each --flag of the help text occurs in the page.
check_flags() {
    page=$1
    shift
    help=$("$@" --help) || { bad "'$* --help' failed"; return; }
    for f in $(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        flat "$page" | grep -qE -- "$f([^a-z-]|\$)" || bad "$(basename "$page"): $f of '$(basename "$1")${2:+ $2}' is not described"
    done
}

# The verbs a program's --help lists under "Subcommands:".
verbs() { "$1" --help | sed -n '/^Subcommands:/,$p' | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'; }

for page in "$man_dir"/*.[1-8]; do
    [ -f "$page" ] || bad "no man page in $man_dir"
    warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
    [ -z "$warnings" ] || bad "$(basename "$page"): man --warnings: $warnings"
done

check_flags "$man_dir/om-broker.8" "$broker"
check_flags "$man_dir/om-relay.8" "$relay"
check_flags "$man_dir/om-pub.8" "$pub"
for v in $(verbs "$pub"); do
    flat "$man_dir/om-pub.8" | grep -qE "^\.BR?I? $v( |\$)" || bad "om-pub.8: verb '$v' has no entry"
    check_flags "$man_dir/om-pub.8" "$pub" "$v"
done
check_flags "$man_dir/om-sub.1" "$sub"
for v in $(verbs "$sub"); do
    grep -q "^\.SS $v\$" "$man_dir/om-sub.1" || bad "om-sub.1: verb '$v' has no section"
    check_flags "$man_dir/om-sub.1" "$sub" "$v"
done
[ -n "$(verbs "$sub")" ] || bad "no verbs found in 'om-sub --help'"

# Every table and key of the config files, commented-out ones included (the [security]
# tables), is an entry of ombus.toml(5). The keys of [security.nodes] are nodenames, and
# the [hook.1] lines an example of [hook.NAME].
for conf in "$src/conf/broker.toml" "$src/conf/node.toml" "$src/conf/relay.toml"; do
    keys=$(awk '
        /^#? *\[[a-z.0-9]+\] *$/ { t = $0; sub(/^# */, "", t); gsub(/[][ ]/, "", t); next }
        t != "security.nodes" && match($0, /^#? *[a-z_]+ *=/) {
            k = substr($0, RSTART, RLENGTH); sub(/^# */, "", k); sub(/ *=$/, "", k)
            print (t ~ /^hook\./ ? "hook.NAME" : t) " " k
        }' "$conf" | sort -u)
    [ -n "$keys" ] || bad "no keys read from $conf"
    printf '%s\n' "$keys" | while read -r table key; do
        flat "$man_dir/ombus.toml.5" | grep -q "^\.SS \[$table\]\$" ||
            { echo "FAIL: ombus.toml.5: table [$table] of $(basename "$conf") has no section"; exit 1; }
        flat "$man_dir/ombus.toml.5" | grep -qE "^\.BR? $key( |\$)" ||
            { echo "FAIL: ombus.toml.5: key $table.$key of $(basename "$conf") is not described"; exit 1; }
    done || fail=1
done

[ "$fail" -eq 0 ] && echo "man pages: every flag, verb and config key described; no warnings"
exit "$fail"
