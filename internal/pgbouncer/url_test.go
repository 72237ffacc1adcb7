package pgbouncer

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestURLKeepsDatabaseAndUserAndAsksForExecMode(t *testing.T) {
	b := &Bouncer{addr: "127.0.0.1:40001", user: "app"}
	cases := []struct{ direct, want string }{
		{"postgres://app@/tenantry_test_1?host=%2Ftmp%2Fpg&port=5432",
			"postgres://app@127.0.0.1:40001/tenantry_test_1?default_query_exec_mode=exec&sslmode=disable"},
		{"postgres://owner_app:secret@db.example:5433/d?sslmode=require&application_name=x",
			"postgres://owner_app@127.0.0.1:40001/d?application_name=x&default_query_exec_mode=exec&sslmode=disable"},
		{"postgresql:///d?default_query_exec_mode=cache_statement",
			"postgres://app@127.0.0.1:40001/d?default_query_exec_mode=exec&sslmode=disable"},
	}
	for _, c := range cases {
		got, err := b.URL(c.direct)
		if err != nil || got != c.want {
			t.Errorf("URL(%q) = %q, %v; want %q", c.direct, got, err, c.want)
		}
		cfg, err := pgconn.ParseConfig(got)
		if err != nil || cfg.Host != "127.0.0.1" || cfg.Port != 40001 || cfg.TLSConfig != nil {
			t.Errorf("URL(%q) = %q does not parse to a plain connection to the bouncer: %+v, %v", c.direct, got, cfg, err)
		}
	}
	for _, bad := range []string{"host=/tmp dbname=d", "mysql://x@y/z", "::"} {
		if _, err := b.URL(bad); err == nil {
			t.Errorf("URL(%q) succeeded, want an error", bad)
		}
	}
}

func TestConfigurationPoolsTransactionsWithTrust(t *testing.T) {
	o, err := resolve(&Config{Server: "postgres://app:pw@/postgres?host=/tmp/sock&port=5499", PoolSize: 2, Binary: "/bin/true"})
	if err != nil {
		t.Fatal(err)
	}
	ini, err := iniFile(o, 40002, "/x/users.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"* = host=/tmp/sock port=5499", "pool_mode = transaction", "default_pool_size = 2",
		"listen_addr = 127.0.0.1", "listen_port = 40002", "auth_type = trust", "auth_user = app", "server_reset_query = \n"} {
		if !strings.Contains(ini, line) {
			t.Errorf("pgbouncer.ini lacks %q:\n%s", line, ini)
		}
	}
	if got := authFileText(o); got != "\"app\" \"pw\"\n" {
		t.Errorf("auth file %q", got)
	}
}

func TestHostsThatWouldBreakTheConfigurationAreRefused(t *testing.T) {
	for _, server := range []string{"postgres://app@/d?host=/tmp/with%20space", "postgres://app@/d?host=/tmp/a%23b", "postgres://a%3Db@/d?host=/tmp"} {
		o, err := resolve(&Config{Server: server, Binary: "/bin/true"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := iniFile(o, 1, "/x"); err == nil {
			t.Errorf("server %s was written into pgbouncer.ini", server)
		}
	}
}
