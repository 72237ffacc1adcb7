#!/usr/bin/env bash
# Builds a container image of tenantry without Docker and without a
# registry, from this machine's files: the static binary (CGO_ENABLED=0, as
# the Dockerfile builds it), PostgreSQL's client tools (pg_dump, pg_restore,
# psql) with the shared libraries they load, CA certificates and time zone
# data, and a passwd naming the unprivileged user tenantry (uid 10001) it
# runs as. The image is packed with umoci (Debian's umoci package) as an OCI
# image archive, which `docker load` (Docker 25 or later) and `podman load`
# read:
#
#   sudo scripts/image-offline.sh [OUT]          # OUT default bin/tenantry-image.tar
#
# It then unpacks the image again and, in a chroot of its root file system
# as uid 10001, runs `tenantry --help` and `pg_dump --version`, to show the
# binary and the client tools run there as the non-root user. The
# Dockerfile stays the way to build the image where Docker can pull its
# base images; this script is for machines that cannot.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/bin/tenantry-image.tar}")
uid=10001
[ "$(id -u)" = 0 ] || { echo "run as root (the image's files belong to root and uid $uid)" >&2; exit 1; }
command -v umoci >/dev/null || { echo "umoci is missing (Debian: apt-get install umoci)" >&2; exit 1; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[ -x "$pgbin/pg_dump" ] || { echo "PostgreSQL's client tools are missing (Debian: apt-get install postgresql-client)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/tenantry-image.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rootfs=$tmp/rootfs

echo "-- the static binary"
(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$tmp/tenantry" ./cmd/tenantry)
if ldd "$tmp/tenantry" >/dev/null 2>&1; then echo "the binary is dynamically linked" >&2; exit 1; fi
install -D -m 755 "$tmp/tenantry" "$rootfs/usr/local/bin/tenantry"

echo "-- PostgreSQL's client tools from $pgbin, with their libraries"
for tool in pg_dump pg_restore psql; do
	install -D -m 755 "$pgbin/$tool" "$rootfs$pgbin/$tool"
	for lib in $(ldd "$pgbin/$tool" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'); do
		[ -e "$rootfs$lib" ] || install -D -m 644 "$(readlink -f "$lib")" "$rootfs$lib"
	done
done
chmod 755 "$rootfs"/lib*/ld-linux* 2>/dev/null || true
for tool in pg_dump pg_restore psql; do ln -s "$pgbin/$tool" "$rootfs/usr/local/bin/$tool"; done

echo "-- users, certificates, time zones"
mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/var/lib/tenantry" "$rootfs/usr/share"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\ntenantry:x:%d:%d:tenantry:/var/lib/tenantry:/usr/sbin/nologin\n' $uid $uid >"$rootfs/etc/passwd"
printf 'root:x:0:\ntenantry:x:%d:\n' $uid >"$rootfs/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
install -D -m 644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
cp -a /usr/share/zoneinfo "$rootfs/usr/share/zoneinfo"
chmod 1777 "$rootfs/tmp"
chown $uid:$uid "$rootfs/var/lib/tenantry"

echo "-- the OCI image (umoci)"
layout=$tmp/oci
umoci init --layout "$layout"
umoci new --image "$layout:tenantry"
umoci unpack --image "$layout:tenantry" "$tmp/bundle" >/dev/null
rm -rf "$tmp/bundle/rootfs" && mv "$rootfs" "$tmp/bundle/rootfs"
umoci repack --image "$layout:tenantry" "$tmp/bundle"
umoci config --image "$layout:tenantry" --os linux --architecture amd64 \
	--config.user "$uid:$uid" --config.workingdir /var/lib/tenantry \
	--config.entrypoint /usr/local/bin/tenantry --config.cmd serve \
	--config.env TENANTRY_DIR=/var/lib/tenantry --config.env TENANTRY_ADDR=:8000 \
	--config.env PATH=/usr/local/bin:/usr/bin:/bin \
	--config.exposedports 8000/tcp --config.volume /var/lib/tenantry
umoci gc --layout "$layout"
mkdir -p "$(dirname "$out")"
tar -C "$layout" -cf "$out" .
echo "   $out ($(du -h "$out" | cut -f1))"

echo "-- check: unpack it and run it as uid $uid"
umoci unpack --image "$layout:tenantry" "$tmp/check" >/dev/null
python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["process"]; print("   user", p["user"]["uid"], "args", p["args"], "cwd", p["cwd"])' "$tmp/check/config.json"
chroot --userspec=$uid:$uid "$tmp/check/rootfs" /usr/local/bin/tenantry --help | head -n 1 | sed 's/^/   tenantry: /'
chroot --userspec=$uid:$uid "$tmp/check/rootfs" /usr/local/bin/pg_dump --version | sed 's/^/   /'
chroot --userspec=$uid:$uid "$tmp/check/rootfs" /usr/local/bin/tenantry tenant list 2>&1 | head -n 1 | sed 's/^/   without DATABASE_URL: /' || true
echo "OK: $out"
