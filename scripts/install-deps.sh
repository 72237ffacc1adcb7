#!/usr/bin/env bash
# Installs what Tenantry needs from the machine and cannot bring itself:
# PostgreSQL's server binaries (initdb, postgres), used by `tenantry dev`
# and by the tests' private clusters, and PgBouncer, through which the tests
# also run the isolation suite (transaction pooling). Debian packages,
# through apt-get, when run as root; otherwise it says what to install.
#
# PgBouncer is needed by the tests only: without it and without root, the
# script warns and goes on, unless TENANTRY_REQUIRE_PGBOUNCER=1 (set by
# `make test`), when it fails. The tests start PgBouncer themselves on a
# port of their own; the package's system service is stopped and disabled
# so that nothing is left listening on 6432.
#
# Chromium (Debian's chromium) drives the web console's browser tests:
# without it and without root, the script warns and goes on, unless
# TENANTRY_REQUIRE_BROWSER=1 (set by `make test`), when it fails.
#
# It also installs Redocly's CLI, the OpenAPI linter the tests run, from
# the npm registry into .tools/ (install-redocly.sh). Without npm it warns
# and goes on, unless TENANTRY_REQUIRE_REDOCLY=1 (set by `make test`), when
# it fails.
set -euo pipefail

if ! "$(dirname "$0")/install-redocly.sh"; then
	if [ "${TENANTRY_REQUIRE_REDOCLY:-}" = 1 ]; then
		echo "TENANTRY_REQUIRE_REDOCLY=1 (make test sets it): the OpenAPI lint test would fail; set it to 0 to skip it." >&2
		exit 1
	fi
	echo "Redocly's CLI could not be installed: the OpenAPI lint test will be skipped." >&2
fi

have_postgres() {
	local dir
	dir=$(pg_config --bindir 2>/dev/null || true)
	if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then return 0; fi
	for dir in /usr/lib/postgresql/*/bin; do
		if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then return 0; fi
	done
	return 1
}

# Debian puts pgbouncer in /usr/sbin, which is not on every user's PATH.
have_pgbouncer() {
	command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || [ -x /usr/local/sbin/pgbouncer ]
}

have_chromium() {
	command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null
}

missing=()
have_postgres || missing+=(postgresql)
have_pgbouncer || missing+=(pgbouncer)
have_chromium || missing+=(chromium)
if [ ${#missing[@]} = 0 ]; then exit 0; fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	if ! have_postgres; then
		echo "PostgreSQL's server binaries are missing: install them (Debian/Ubuntu: sudo apt-get install postgresql)," >&2
		echo "or point the tests at a server with TENANTRY_TEST_DATABASE_URL." >&2
		exit 1
	fi
	if ! have_chromium; then
		echo "Chromium is missing: install it (Debian/Ubuntu: sudo apt-get install chromium) to run the console's browser tests." >&2
		if [ "${TENANTRY_REQUIRE_BROWSER:-}" = 1 ]; then
			echo "TENANTRY_REQUIRE_BROWSER=1 (make test sets it): the browser tests would fail; set it to 0 to skip them." >&2
			exit 1
		fi
	fi
	if ! have_pgbouncer; then
		echo "PgBouncer is missing: install it (Debian/Ubuntu: sudo apt-get install pgbouncer) to run the tests through it." >&2
		if [ "${TENANTRY_REQUIRE_PGBOUNCER:-}" = 1 ]; then
			echo "TENANTRY_REQUIRE_PGBOUNCER=1 (make test sets it): the PgBouncer tests would fail; set it to 0 to skip them." >&2
			exit 1
		fi
	fi
	exit 0
fi

echo "installing ${missing[*]} from Debian's packages ..."
export DEBIAN_FRONTEND=noninteractive
# Keep the packages' services from starting during the install (the tests
# start their own processes), unless the machine already has a policy.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
if [[ " ${missing[*]} " == *" pgbouncer "* ]]; then
	# Should a service have started anyway (systemd ignores policy-rc.d on
	# some set-ups), stop it and keep it from starting at boot.
	if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
		systemctl disable --now pgbouncer >/dev/null 2>&1 || true
	elif [ -x /etc/init.d/pgbouncer ]; then
		/etc/init.d/pgbouncer stop >/dev/null 2>&1 || true
		update-rc.d pgbouncer disable >/dev/null 2>&1 || true
	fi
fi
have_postgres
have_pgbouncer
have_chromium
