#!/usr/bin/env bash
# Checks deploy/Caddyfile's on-demand TLS against a real Caddy and a real
# Tenantry: `tenantry dev` (a private PostgreSQL, demo tenants) on a spare
# port, a custom domain pending and a tenant terminated, then Caddy with the
# Caddyfile's ask and HTTP blocks, its own CA (tls internal) instead of
# Let's Encrypt, on ports 18080/18443. Expects a certificate for the demo
# tenant's verified domains and none for the terminated tenant, the pending
# domain or an unknown name, and the pending domain's verification file
# over plain HTTP. Needs caddy (Debian: apt-get install caddy) and curl.
# Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v caddy >/dev/null || { echo "caddy not installed (apt-get install caddy)"; exit 2; }
work=$(mktemp -d)
port=18731
go build -o "$work/tenantry" ./cmd/tenantry
T="$work/tenantry"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done; sleep 2; rm -rf "$work"; }
trap cleanup EXIT
(cd "$work" && TENANTRY_ADDR=127.0.0.1:$port exec "$T" dev >dev.log 2>&1) &
pids+=($!)
for _ in $(seq 120); do curl -sf -o /dev/null -H 'Host: school1.localhost' "http://127.0.0.1:$port/api/tenant/" && break; sleep 1; done
cd "$work"
"$T" domain add school1 shop.school1.localhost >/dev/null
"$T" domain add school1 pending.example >/dev/null
"$T" tenant terminate school2 --yes >/dev/null
token=$("$T" domain list school1 --json | sed -n 's/.*"token": "\([a-z0-9]*\)".*/\1/p')
cat >Caddyfile <<CADDY
{
	http_port 18080
	https_port 18443
	admin off
	skip_install_trust
	on_demand_tls {
		ask http://127.0.0.1:$port/.well-known/tenantry/tls-ask
	}
}
https:// {
	tls internal {
		on_demand
	}
	reverse_proxy 127.0.0.1:$port
}
$(sed -n '/^http:\/\/ {/,/^}/p' "$OLDPWD/deploy/Caddyfile" | sed "s/127.0.0.1:8000/127.0.0.1:$port/")
CADDY
XDG_DATA_HOME=$work/caddy XDG_CONFIG_HOME=$work/caddy caddy run --config Caddyfile --adapter caddyfile >caddy.log 2>&1 &
pids+=($!)
for _ in $(seq 30); do curl -s -o /dev/null "http://127.0.0.1:18080/" && break; sleep 1; done
fail=0
check() { # host, want: cert or none
	local got=none
	curl -sk -o /dev/null --resolve "$1:18443:127.0.0.1" "https://$1:18443/api/tenant/" && got=cert
	printf '%-24s %s\n' "$1" "$got"
	[ "$got" = "$2" ] || { echo "  want $2"; fail=1; }
}
check school1.localhost cert
check shop.school1.localhost cert
check school2.localhost none
check pending.example none
check nobody.localhost none
file=$(curl -s --resolve pending.example:18080:127.0.0.1 "http://pending.example:18080/.well-known/tenantry/$token")
echo "verification file over http: ${file:-(none)}"
[ "$file" = "$token" ] || fail=1
[ $fail = 0 ] && echo "ok" || echo "FAILED"
exit $fail
