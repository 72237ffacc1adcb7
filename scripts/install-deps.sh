#!/usr/bin/env bash
# Installs what Tenantry needs from the machine and cannot bring itself:
# PostgreSQL's server binaries (initdb, postgres), used by `tenantry dev`
# and by the tests' private clusters. Debian packages, through apt-get, when
# run as root; otherwise it says what to install.
set -euo pipefail

have_postgres() {
	local dir
	dir=$(pg_config --bindir 2>/dev/null || true)
	if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then return 0; fi
	for dir in /usr/lib/postgresql/*/bin; do
		if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then return 0; fi
	done
	return 1
}

if have_postgres; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	echo "PostgreSQL's server binaries are missing: install them (Debian/Ubuntu: sudo apt-get install postgresql)," >&2
	echo "or point the tests at a server with TENANTRY_TEST_DATABASE_URL." >&2
	exit 1
fi
echo "installing PostgreSQL from Debian's packages ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends postgresql
have_postgres
