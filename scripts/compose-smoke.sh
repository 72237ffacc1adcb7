#!/usr/bin/env bash
# Exercises the compose.yaml topology without containers, on this machine:
# PostgreSQL 15 (password authentication, as the postgres:15 image has it),
# PgBouncer in transaction pooling mode started by the same entrypoint as
# the compose service (deploy/pgbouncer/entrypoint.sh), the static binary
# (CGO_ENABLED=0, as the Dockerfile builds it) running "migrate", "serve"
# and "worker" as an unprivileged user with compose.yaml's own environment
# (x-tenantry-env, host names replaced by loopback ports), and Caddy with
# deploy/Caddyfile.compose when caddy is installed. It then checks:
#
#   - the binary is static;
#   - /readyz through Caddy, a tenant's API through Caddy and PgBouncer;
#   - /metrics: 404 through Caddy and on the base domain, served on the
#     metrics listeners of serve and worker, passing promtool when present;
#   - the worker works the new tenant's seed job through PgBouncer (polling);
#   - serve and worker stop with status 0 on SIGTERM.
#
# Everything runs on free loopback ports under a temporary directory, and is
# stopped and removed at the end, whatever happens. Needs root (to run
# PostgreSQL and PgBouncer as postgres and the binary as nobody), Debian's
# postgresql and pgbouncer, python3 with PyYAML, curl and Go.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/tenantry-compose-smoke.XXXXXX)
chmod 755 "$tmp"
pids=()
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

cleanup() {
	status=$?
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do # the last started first
		kill "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
	if [ -f "$tmp/pg/postmaster.pid" ]; then
		runuser -u postgres -- "$pgbin/pg_ctl" -D "$tmp/pg" -m fast stop >/dev/null 2>&1 || true
	fi
	if [ $status != 0 ]; then
		echo "FAILED; the last lines of each log:" >&2
		for f in "$tmp"/*.log "$tmp"/pg/postgres.log; do echo "== $f" >&2; tail -n 15 "$f" >&2; done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

step() { echo "-- $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_http URL [HOST]: until URL answers at all (any status), for 30 s.
wait_http() {
	for _ in $(seq 150); do
		if curl -s -o /dev/null -H "Host: ${2:-localhost}" "$1"; then return 0; fi
		sleep 0.2
	done
	fail "nothing answers at $1"
}
# expect STATUS URL HOST: the status of GET URL with Host HOST.
expect() {
	local got
	got=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Host: $3" "$2")
	[ "$got" = "$1" ] || fail "GET $2 (Host $3): $got, want $1: $(head -c 300 "$tmp/body")"
	echo "   GET $2 (Host $3): $got"
}

[ "$(id -u)" = 0 ] || fail "run as root (PostgreSQL and PgBouncer run as postgres, tenantry as nobody)"
python3 -c 'import yaml' 2>/dev/null || fail "python3 with PyYAML is needed to read compose.yaml (apt-get install python3-yaml)"

step "build the static binary"
(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$tmp/tenantry" ./cmd/tenantry)
if ldd "$tmp/tenantry" >/dev/null 2>&1; then fail "the binary is dynamically linked"; fi
echo "   $(file -b "$tmp/tenantry" | cut -d, -f1-2), static"

pg_port=$(free_port)
bouncer_port=$(free_port)
password=smoke-$RANDOM$RANDOM
step "PostgreSQL on 127.0.0.1:$pg_port (scram-sha-256 over TCP)"
mkdir -p "$tmp/pg" && chown postgres "$tmp/pg"
printf '%s\n' "$password" >"$tmp/pwfile" && chown postgres "$tmp/pwfile"
runuser -u postgres -- "$pgbin/initdb" -D "$tmp/pg" -U tenantry --pwfile="$tmp/pwfile" \
	--auth-host=scram-sha-256 --auth-local=trust -E UTF8 --no-sync >"$tmp/initdb.log"
runuser -u postgres -- "$pgbin/pg_ctl" -D "$tmp/pg" -l "$tmp/pg/postgres.log" -w start \
	-o "-c listen_addresses=127.0.0.1 -p $pg_port -k $tmp/pg -c fsync=off" >/dev/null
runuser -u postgres -- "$pgbin/createdb" -h "$tmp/pg" -p "$pg_port" -U tenantry tenantry

step "PgBouncer on 127.0.0.1:$bouncer_port (deploy/pgbouncer/entrypoint.sh)"
mkdir -p "$tmp/bouncer" && chown postgres "$tmp/bouncer"
runuser -u postgres -- env DB_HOST=127.0.0.1 DB_PORT="$pg_port" DB_NAME=tenantry DB_USER=tenantry \
	DB_PASSWORD="$password" LISTEN_ADDR=127.0.0.1 LISTEN_PORT="$bouncer_port" PGBOUNCER_DIR="$tmp/bouncer" \
	PATH="/usr/sbin:$PATH" sh "$root/deploy/pgbouncer/entrypoint.sh" >"$tmp/pgbouncer.log" 2>&1 &
pids+=($!)

addr_port=$(free_port)
serve_metrics=$(free_port)
worker_metrics=$(free_port)
# compose.yaml's environment for serve and worker, as shell assignments,
# with the services' host names replaced by this machine's ports.
POSTGRES_PASSWORD=$password TENANTRY_SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	python3 - "$root/compose.yaml" "$pg_port" "$bouncer_port" >"$tmp/env.sh" <<'PY'
import os, re, shlex, sys, yaml
compose, pg, bouncer = sys.argv[1], sys.argv[2], sys.argv[3]
env = yaml.safe_load(open(compose))["x-tenantry-env"]
def interpolate(v):
    def one(m):
        name, sep, rest = m.group(1), m.group(2), m.group(3)
        if name in os.environ and os.environ[name] != "": return os.environ[name]
        if sep == ":?": sys.exit(f"{name} is required by compose.yaml: {rest}")
        return rest or ""
    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, str(v))
for k, v in env.items():
    v = interpolate(v).replace("@pgbouncer:6432/", f"@127.0.0.1:{bouncer}/").replace("@postgres:5432/", f"@127.0.0.1:{pg}/")
    print(f"export {k}={shlex.quote(v)}")
PY
# shellcheck source=/dev/null
. "$tmp/env.sh"
export TENANTRY_ADDR=127.0.0.1:$addr_port TENANTRY_DIR=$tmp/state
mkdir -p "$TENANTRY_DIR" && chown nobody "$TENANTRY_DIR"
direct="postgres://tenantry:$password@127.0.0.1:$pg_port/tenantry?sslmode=disable"
# setpriv execs (runuser would stay in between and take the signals); an
# array, not a function, so that $! of "${as_nobody[@]}" ... & is tenantry's.
as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups env -C "$tmp")

step "tenantry migrate (direct, as nobody)"
"${as_nobody[@]}" env DATABASE_URL="$direct" "$tmp/tenantry" migrate >"$tmp/migrate.log" 2>&1

step "tenantry serve and tenantry worker (through PgBouncer, as nobody)"
"${as_nobody[@]}" env TENANTRY_METRICS_ADDR="127.0.0.1:$serve_metrics" "$tmp/tenantry" serve >"$tmp/serve.log" 2>&1 &
serve_pid=$!
pids+=($serve_pid)
"${as_nobody[@]}" env TENANTRY_METRICS_ADDR="127.0.0.1:$worker_metrics" "$tmp/tenantry" worker >"$tmp/worker.log" 2>&1 &
worker_pid=$!
pids+=($worker_pid)

proxy=http://127.0.0.1:$addr_port
if command -v caddy >/dev/null; then
	caddy_port=$(free_port)
	step "Caddy on :$caddy_port (deploy/Caddyfile.compose)"
	CADDY_ADDRESS=":$caddy_port" CADDY_ADMIN="127.0.0.1:$(free_port)" TENANTRY_UPSTREAM="127.0.0.1:$addr_port" XDG_DATA_HOME=$tmp/caddy XDG_CONFIG_HOME=$tmp/caddy \
		caddy run --config "$root/deploy/Caddyfile.compose" --adapter caddyfile >"$tmp/caddy.log" 2>&1 &
	pids+=($!)
	proxy=http://127.0.0.1:$caddy_port
else
	echo "   caddy is not installed: requests go to serve directly"
fi

step "checks"
wait_http "$proxy/healthz"
expect 200 "$proxy/readyz" localhost
"${as_nobody[@]}" env DATABASE_URL="$direct" "$tmp/tenantry" tenant create --slug acme --name Acme --domain acme.localhost >"$tmp/create.log" 2>&1
expect 200 "$proxy/api/tenant/" acme.localhost
grep -q tenant_acme "$tmp/body" || fail "acme's /api/tenant/ does not name its schema"
expect 404 "$proxy/metrics" localhost
expect 404 "http://127.0.0.1:$addr_port/metrics" localhost
expect 404 "http://127.0.0.1:$addr_port/metrics" acme.localhost
expect 200 "http://127.0.0.1:$serve_metrics/metrics" metrics
grep -q 'tenantry_http_requests_total{method="GET",route="/api/tenant",status_class="2xx",tenant="acme"}' "$tmp/body" ||
	fail "serve's metrics lack acme's request"
if command -v promtool >/dev/null; then
	promtool check metrics <"$tmp/body" || fail "promtool check metrics: serve's metrics"
	echo "   promtool check metrics: serve's output passes"
fi
step "the worker works acme's seed job through PgBouncer"
for _ in $(seq 60); do
	curl -s -o "$tmp/worker-metrics" "http://127.0.0.1:$worker_metrics/metrics" || true
	if grep -q 'tenantry_jobs{kind="tenantry.seed",state="completed"} 1' "$tmp/worker-metrics"; then break; fi
	sleep 1
done
grep -q 'tenantry_jobs{kind="tenantry.seed",state="completed"} 1' "$tmp/worker-metrics" || fail "the seed job was not completed within 60 s"
grep -q 'tenantry_db_pool_max_connections{purpose="jobs"}' "$tmp/worker-metrics" || fail "the worker's metrics lack its jobs pool"
echo "   tenantry_jobs{kind=\"tenantry.seed\",state=\"completed\"} 1"

step "SIGTERM: serve and worker stop gracefully"
kill -TERM "$serve_pid" "$worker_pid"
wait "$serve_pid" || fail "serve exited with status $? after SIGTERM"
wait "$worker_pid" || fail "worker exited with status $? after SIGTERM"
echo "   both exited with status 0"
echo "OK: the compose topology works without containers"
