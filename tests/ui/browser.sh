#!/bin/sh
# tests/ui/browser.sh: runs tests/ui/browser.mjs against a fresh registry. The
# npm packages come from tests/ui/setup-node.sh (run here; a no-op when
# current). Screenshots go to $SG_BUILDDIR/screenshots/ (CI keeps them).
. "${SG_SRCDIR:-.}/tests/lib.sh"

if ! command -v node >/dev/null || [ ! -x /usr/bin/chromium ]; then
	skip_all "needs node and Debian's chromium (scripts/install-deps test)"
fi
SG_BUILDDIR=${SG_BUILDDIR:-.} "$SG_SRCDIR/tests/ui/setup-node.sh" >/dev/null || {
	echo "Bail out! npm could not install playwright-core"
	exit 1
}
sg_start || { echo "Bail out! the registry did not start"; exit 1; }
SG_URL=$SG_URL SG_SHOTS="$SG_BUILDDIR/screenshots" \
	SG_PLAYWRIGHT="$SG_BUILDDIR/node_modules/playwright-core" \
	node "$SG_SRCDIR/tests/ui/browser.mjs"
status=$?
sg_stop || status=1
exit $status
