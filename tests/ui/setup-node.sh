#!/bin/sh
# tests/ui/setup-node.sh: installs the browser tests' npm packages (only
# playwright-core, which drives Debian's /usr/bin/chromium; it downloads no
# browser) into $SG_BUILDDIR/node_modules. Does nothing when they are current.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
builddir=${SG_BUILDDIR:-.}
stamp=$builddir/node_modules/.sg-package.json
if [ -f "$stamp" ] && cmp -s "$here/package.json" "$stamp"; then
	exit 0
fi
mkdir -p "$builddir"
cp "$here/package.json" "$builddir/package.json"
(cd "$builddir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
cp "$here/package.json" "$stamp"
echo "setup-node: $builddir/node_modules ready"
