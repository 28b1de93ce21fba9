#!/bin/sh
# Builds the Debian package of ombus (debian/, debhelper) in a copy of the source tree, so
# that nothing is written beside the checkout, and checks it with lintian (an error fails).
# Leaves the .deb and lintian's report (lintian.txt) in dist/ (or the directory given).
#   ./scripts/package.sh [OUTDIR]
#   apt install ./dist/ombus_*_amd64.deb     # or: dpkg -i dist/ombus_*_amd64.deb
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
out=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)
version=$(dpkg-parsechangelog -S Version)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

src="$work/ombus-$version"
mkdir "$src"
# The tree without build directories, earlier packages or git's own files.
tar --exclude=./.git --exclude='./build*' --exclude=./dist --exclude=./debian/ombus \
    --exclude=./obj-* -cf - . | tar -C "$src" -xf -
(cd "$src" && dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1) ||
    { tail -50 "$work/build.log"; echo "package: dpkg-buildpackage failed" >&2; exit 1; }

deb=$(ls "$work"/ombus_"$version"_*.deb)
rm -f "$out"/ombus_*.deb
cp "$deb" "$out/"
# lintian's exit status is not 0 when it finds an error; warnings are listed in the report.
status=0
lintian --info --display-level '>=warning' "$deb" >"$work/lintian.txt" 2>&1 || status=$?
# Its note that it runs as root (CI does) is not about the package.
grep -v '^running with root privileges is not recommended' "$work/lintian.txt" >"$out/lintian.txt" || true
echo "package: $out/$(basename "$deb")"
if [ -s "$out/lintian.txt" ]; then
    echo "package: lintian says:"
    sed 's/^/  /' "$out/lintian.txt"
else
    echo "package: lintian: no errors, no warnings"
fi
exit "$status"
