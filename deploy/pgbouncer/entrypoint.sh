#!/bin/sh
# Writes PgBouncer's configuration from the environment and runs it in the
# foreground: transaction pooling, one database, SCRAM authentication with
# the same login and password as the server's. Used by the compose file's
# pgbouncer service and by scripts/compose-smoke.sh.
#
#   DB_HOST, DB_PORT (5432), DB_NAME, DB_USER, DB_PASSWORD  the PostgreSQL
#   LISTEN_ADDR (*), LISTEN_PORT (6432)                      where clients connect
#   POOL_SIZE (20)                                           server connections per database and user
#   MAX_CLIENTS (500)                                        client connections
#   PGBOUNCER_DIR (/tmp/pgbouncer)                           where the files are written
set -eu
: "${DB_HOST:?DB_HOST is required}" "${DB_NAME:?DB_NAME is required}" "${DB_USER:?DB_USER is required}" "${DB_PASSWORD:?DB_PASSWORD is required}"
dir=${PGBOUNCER_DIR:-/tmp/pgbouncer}
mkdir -p "$dir"
umask 077
# auth_file lines are "user" "password", with " doubled.
q() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
printf '%s %s\n' "$(q "$DB_USER")" "$(q "$DB_PASSWORD")" >"$dir/userlist.txt"
cat >"$dir/pgbouncer.ini" <<INI
[databases]
$DB_NAME = host=$DB_HOST port=${DB_PORT:-5432} dbname=$DB_NAME

[pgbouncer]
listen_addr = ${LISTEN_ADDR:-*}
listen_port = ${LISTEN_PORT:-6432}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = ${POOL_SIZE:-20}
max_client_conn = ${MAX_CLIENTS:-500}
; Tenantry binds each tenant per transaction; nothing session-level to reset.
server_reset_query =
ignore_startup_parameters = extra_float_digits
INI
exec pgbouncer "$dir/pgbouncer.ini"
