#!/bin/sh
# tests/ui/setup-node.sh [ui|clients-js]...: installs the tests' npm packages
# under $SG_BUILDDIR/node_modules (tests/run links that folder into every build
# folder). With no argument, both:
#   ui          the browser tests' (only playwright-core, which drives Debian's
#               /usr/bin/chromium; it downloads no browser), into
#               $SG_BUILDDIR/node_modules;
#   clients-js  the JavaScript registry client test's (tests/clients/js:
#               @confluentinc/schemaregistry at the versions of its lock file,
#               with `npm ci`), into $SG_BUILDDIR/node_modules/.sg-clients-js/
#               (npm leaves a dot folder in node_modules alone).
# Does nothing for a set that is current. Exit status: non-zero when a set
# named fails; with no argument, that of `ui` (a clients-js failure is only
# reported on stderr: tests/clients/schemaregistry-js.sh installs again and
# tells a network failure, an external skip, from any other).
# Runs under a lock ($SG_BUILDDIR/.setup-node.lock) when flock(1) is there, as
# tests running in parallel may call it at once.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
builddir=${SG_BUILDDIR:-.}
mkdir -p "$builddir"
if command -v flock >/dev/null; then
	exec 9>"$builddir/.setup-node.lock"
	flock 9
fi

setup_ui() {
	stamp=$builddir/node_modules/.sg-package.json
	if [ -f "$stamp" ] && cmp -s "$here/package.json" "$stamp"; then
		return 0
	fi
	cp "$here/package.json" "$builddir/package.json"
	(cd "$builddir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
	cp "$here/package.json" "$stamp"
	echo "setup-node: $builddir/node_modules ready"
}

# clients-js: the stamp is package.json followed by package-lock.json.
setup_clients_js() {
	src=$here/../clients/js
	dest=$builddir/node_modules/.sg-clients-js
	stamp=$dest/node_modules/.sg-stamp
	if [ -f "$stamp" ] && cat "$src/package.json" "$src/package-lock.json" | cmp -s - "$stamp"; then
		return 0
	fi
	mkdir -p "$dest"
	cp "$src/package.json" "$src/package-lock.json" "$dest/"
	(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || return 1
	cat "$src/package.json" "$src/package-lock.json" >"$stamp"
	echo "setup-node: $dest/node_modules ready"
}

if [ $# -eq 0 ]; then
	setup_clients_js || echo "setup-node: npm ci of tests/clients/js failed (see above)" >&2
	setup_ui
	exit 0
fi
for what in "$@"; do
	case $what in
	ui) setup_ui ;;
	clients-js) setup_clients_js ;;
	*)
		echo "setup-node: unknown set '$what' (ui, clients-js)" >&2
		exit 2
		;;
	esac
done
