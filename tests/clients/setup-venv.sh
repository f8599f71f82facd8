#!/bin/sh
# tests/clients/setup-venv.sh: creates (or refreshes) the Python virtual
# environment the client tests run in, $SG_BUILDDIR/.venv, with the packages of
# tests/clients/requirements.txt from PyPI. Safe to run again: it does nothing
# when the requirements have not changed since the last successful install.
#
# Environment: SG_BUILDDIR (default .), SG_SRCDIR (default: two levels above
# this script), SG_PYTHON_BASE (the interpreter that creates the venv; default
# python3). Exit status 0 when the venv is ready.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${SG_SRCDIR:-$(cd "$here/../.." && pwd)}
builddir=${SG_BUILDDIR:-.}
venv=$builddir/.venv
req=$srcdir/tests/clients/requirements.txt
stamp=$venv/.sg-requirements

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$req" "$stamp"; then
	exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
	"${SG_PYTHON_BASE:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
cp "$req" "$stamp"
echo "setup-venv: $venv ready"
