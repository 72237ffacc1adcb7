package pgbouncer

import (
	"fmt"
	"strconv"
	"strings"
)

// authQuery finds a client's login without reading passwords, which
// pg_roles hides and trust authentication does not need: every role may
// read pg_roles, so the server URL's user needs no superuser rights.
const authQuery = "SELECT rolname::text, NULL::text FROM pg_catalog.pg_roles WHERE rolname = $1 AND rolcanlogin"

// iniFile is PgBouncer's configuration for o, listening on port, with the
// authentication file at authFile.
func iniFile(o options, port int, authFile string) (string, error) {
	target, err := serverTarget(o)
	if err != nil {
		return "", err
	}
	if !plainValue(o.server.User) {
		return "", fmt.Errorf("pgbouncer: Config.Server: user %q cannot be written into pgbouncer.ini", o.server.User)
	}
	settings := [][2]string{
		{"listen_addr", "127.0.0.1"},
		{"listen_port", strconv.Itoa(port)},
		{"unix_socket_dir", ""}, // TCP only: nothing on disk outlives the start
		{"pool_mode", "transaction"},
		{"default_pool_size", strconv.Itoa(o.PoolSize)},
		{"min_pool_size", "0"},
		{"reserve_pool_size", "0"},
		{"max_client_conn", strconv.Itoa(o.MaxClients)},
		{"auth_type", "trust"},
		{"auth_file", authFile},
		{"auth_user", o.server.User},
		{"auth_query", authQuery},
		{"server_reset_query", ""}, // not used in transaction mode anyway: say so
		{"server_login_retry", "1"},
		{"server_tls_sslmode", "prefer"},
		{"ignore_startup_parameters", "extra_float_digits"},
		{"log_connections", "0"},
		{"log_disconnections", "0"},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[databases]\n* = %s\n\n[pgbouncer]\n", target)
	for _, s := range settings {
		fmt.Fprintf(&b, "%s = %s\n", s[0], s[1])
	}
	return b.String(), nil
}

// serverTarget is the wildcard database entry's connection string: the
// server's first host (a socket directory when it starts with a slash) and
// port. The database name is the client's.
func serverTarget(o options) (string, error) {
	host := o.server.Host
	if !plainValue(host) {
		return "", fmt.Errorf("pgbouncer: Config.Server: host %q cannot be written into pgbouncer.ini", host)
	}
	return fmt.Sprintf("host=%s port=%d", host, o.server.Port), nil
}

// plainValue reports whether s can be written into pgbouncer.ini and its
// connection strings as is.
func plainValue(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r == '\'' || r == '"' || r == '\\' || r == ';' || r == '#' || r == '=' || r == 0x7f
	})
}

// authFileText lists the server URL's user with its password, if any, in
// PgBouncer's auth_file format: both quoted, with '"' doubled.
func authFileText(o options) string {
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	return q(o.server.User) + " " + q(o.server.Password) + "\n"
}
