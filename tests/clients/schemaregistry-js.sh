#!/bin/sh
# tests/clients/schemaregistry-js.sh: the @confluentinc/schemaregistry
# JavaScript client (tests/clients/js/, pinned with a lock file) against a
# fresh `schemagate registry`: tests/clients/js/schemaregistry.mjs prints the
# TAP. The package is installed by `tests/ui/setup-node.sh clients-js` (a
# no-op when current; tests/run runs it once for every build) into
# $SG_BUILDDIR/node_modules/.sg-clients-js/. An install that fails because npm
# cannot reach its registry (or the mirror it is configured with) is a skip
# whose reason starts with "external:"; any other failure is a bail out.
. "${SG_SRCDIR:-.}/tests/lib.sh"

command -v node >/dev/null && command -v npm >/dev/null ||
	skip_all "needs node and npm (scripts/install-deps test)"

npmlog=$SG_TMP/npm.log
if ! SG_BUILDDIR=$SG_BUILDDIR "$SG_SRCDIR/tests/ui/setup-node.sh" clients-js >"$npmlog" 2>&1; then
	# npm's codes for a registry it cannot reach or that fails on its side.
	reason=$(grep -m 1 -E 'E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH|SOCKETTIMEOUT)|code E(5[0-9][0-9]|429)|network|socket hang up' "$npmlog")
	if [ -n "$reason" ]; then
		skip_all "external: npm could not fetch @confluentinc/schemaregistry: $(printf '%s' "$reason" | tr -s ' ' | cut -c1-200)"
	fi
	echo "Bail out! npm ci of tests/clients/js failed:"
	sed 's/^/# /' "$npmlog"
	exit 1
fi

sg_start || { echo "Bail out! the registry did not start"; exit 1; }
SG_URL=$SG_URL SG_CLIENTS_JS="$SG_BUILDDIR/node_modules/.sg-clients-js" \
	node "$SG_SRCDIR/tests/clients/js/schemaregistry.mjs"
status=$?
sg_stop || status=1
exit $status
