package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/tenanttest"
)

// unreachableDB is a DATABASE_URL nothing answers: a command that checks
// its flags as it should never gets that far, and one that does not fails
// at once (exit 1) instead of running a benchmark.
const unreachableDB = "postgres://tenantry@127.0.0.1:1/none?connect_timeout=2"

// TestBadInputCLI is the catalogue of hostile command lines and settings:
// each gets its exit status (2 for misuse, 1 for a failure) and a one-line
// message on stderr that names what to fix, and none leaves anything behind.
func TestBadInputCLI(t *testing.T) {
	url := setupCLI(t)
	mustRun(t, "migrate")
	mustRun(t, "tenant", "create", "--slug", "taken", "--name", "Taken", "--domain", "taken.example.com")
	create := func(slug, domain string, more ...string) []string {
		return append([]string{"tenant", "create", "--slug", slug, "--name", "X", "--domain", domain}, more...)
	}
	withAdmin := func(user, email, password string) []string {
		return create("other", "o.example.com", "--admin-username", user, "--admin-email", email, "--admin-password", password)
	}
	bench := func(args ...string) []string { return append([]string{"bench"}, args...) }
	slugPattern := "must start with a lower-case letter and contain only a-z, 0-9 and _"
	cases := []struct {
		name string
		args []string
		env  []string // name, value pairs, on top of setupCLI's
		exit int
		msg  string
	}{
		// The command line.
		{"unknown command", []string{"frobnicate"}, nil, ExitUsage, `unknown command "frobnicate" for "tenantry"`},
		{"unknown subcommand", []string{"tenant", "frobnicate"}, nil, ExitUsage, `unknown command "frobnicate" for "tenantry tenant"`},
		{"unknown operator subcommand", []string{"operator", "remove", "root"}, nil, ExitUsage, `unknown command "remove" for "tenantry operator"`},
		{"unknown flag", []string{"migrate", "--frob"}, nil, ExitUsage, "unknown flag: --frob"},
		{"unknown shorthand", []string{"whowill", "-z"}, nil, ExitUsage, "unknown shorthand flag: 'z' in -z"},
		{"flag without its value", []string{"tenant", "create", "--slug"}, nil, ExitUsage, "flag needs an argument: --slug"},
		{"stray argument", []string{"tenant", "list", "extra"}, nil, ExitUsage, `unknown command "extra" for "tenantry tenant list"`},
		{"two tenants to suspend", []string{"tenant", "suspend", "a", "b"}, nil, ExitUsage, "accepts 1 arg(s), received 2"},
		{"missing required flags", []string{"tenant", "create"}, nil, ExitUsage, "missing --slug, --name, --domain"},
		{"missing domain", []string{"tenant", "create", "--slug", "other", "--name", "Other"}, nil, ExitUsage, "missing --domain"},
		{"blank name", []string{"tenant", "create", "--slug", "other", "--name", "  ", "--domain", "o.example.com"}, nil, ExitUsage, "missing --name"},
		{"operator without flags", []string{"operator", "create"}, nil, ExitUsage, "--username and --email are required"},
		{"admin password alone", create("other", "o.example.com", "--admin-password", "long enough"), nil, ExitUsage,
			"--admin-password needs --admin-username and --admin-email"},

		// Slugs, domains and settings of a new tenant.
		{"upper-case slug", create("Acme", "a.example.com"), nil, ExitUsage, `invalid slug "Acme": ` + slugPattern},
		{"leading digit", create("1acme", "a.example.com"), nil, ExitUsage, `invalid slug "1acme": ` + slugPattern},
		{"hyphen in slug", create("ac-me", "a.example.com"), nil, ExitUsage, slugPattern},
		{"SQL slug", create(`acme"; DROP SCHEMA public CASCADE; --`, "a.example.com"), nil, ExitUsage, slugPattern},
		{"pg_ prefix", create("pg_acme", "a.example.com"), nil, ExitUsage, `invalid slug "pg_acme": is reserved for PostgreSQL`},
		{"_tenantry prefix", create("_tenantry_x", "a.example.com"), nil, ExitUsage, "is reserved for tenantry's spare and template schemas"},
		{"public", create("public", "a.example.com"), nil, ExitUsage, "is reserved for the platform's own schemas"},
		{"64-byte slug", create(strings.Repeat("a", 64), "a.example.com"), nil, ExitUsage, "is longer than 56 bytes"},
		{"domain without a dot", create("other", "acme"), nil, ExitUsage, `invalid domain "acme": must contain at least one dot`},
		{"domain with a port", create("other", "o.example.com:80"), nil, ExitUsage, "must not include a port"},
		{"IP domain", create("other", "127.0.0.1"), nil, ExitUsage, "must be a domain name, not an IP address"},
		{"non-ASCII domain", create("other", "café.example.com"), nil, ExitUsage, "use the punycode (xn--) form"},
		{"bad locale", create("other", "o.example.com", "--locale", "not a locale"), nil, ExitUsage,
			`invalid locale "not a locale": must be a BCP 47 language tag`},
		{"bad time zone", create("other", "o.example.com", "--timezone", "Mars/Olympus"), nil, ExitUsage, `invalid timezone "Mars/Olympus"`},
		{"bad currency", create("other", "o.example.com", "--currency", "E1R"), nil, ExitUsage, `invalid currency "E1R"`},
		{"weak admin password", withAdmin("ana", "ana@o.com", "short"), nil, ExitUsage, "must be at least 8 characters long"},
		{"bad admin email", withAdmin("ana", "not-an-email", "long enough"), nil, ExitUsage, `invalid email "not-an-email"`},
		{"bad admin username", withAdmin("a b", "ana@o.com", "long enough"), nil, ExitUsage, `invalid username "a b"`},
		{"tenant created twice", []string{"tenant", "create", "--slug", "taken", "--name", "Taken", "--domain", "taken.example.com"}, nil,
			ExitUsage, "tenant already exists"},
		{"taken domain", create("other", "TAKEN.example.com."), nil, ExitUsage, "domain already in use"},
		{"weak operator password", []string{"operator", "create", "--username", "op", "--email", "op@example.com", "--password", "short"}, nil,
			ExitUsage, "must be at least 8 characters long"},
		{"bad operator email", []string{"operator", "create", "--username", "op", "--email", "op", "--password", "long enough"}, nil,
			ExitUsage, `invalid email "op"`},

		// Tenants and schemas that are not there, or not said.
		{"delete without --yes", []string{"tenant", "delete", "taken"}, nil, ExitUsage, `refusing to delete tenant "taken" and all its data without --yes`},
		{"delete unknown", []string{"tenant", "delete", "nosuch", "--yes"}, nil, ExitUsage, "tenant not found"},
		{"activate unknown", []string{"tenant", "activate", "nosuch.example.com"}, nil, ExitUsage, "tenant not found"},
		{"exec without selector", []string{"exec", "--sql", "DROP TABLE items"}, nil, ExitUsage,
			"choose the schemas to run in: -s NAME, -as, -ss, -ds or -ts"},
		{"exec without SQL", []string{"exec", "-ds"}, nil, ExitUsage, "--sql or --file is required"},
		{"exec in an unknown schema", []string{"exec", "-s", "nosuch", "--sql", "SELECT 1"}, nil, ExitUsage,
			`"nosuch": no schema, tenant slug or domain has that name`},
		{"parallel 0", []string{"migrate", "--parallel", "0"}, nil, ExitUsage, "--parallel must be between 1 and 256"},
		{"parallel 257", []string{"exec", "-ds", "--sql", "SELECT 1", "--parallel", "257"}, nil, ExitUsage, "--parallel must be between 1 and 256"},
		{"spares count -1", []string{"spares", "fill", "--count", "-1"}, nil, ExitUsage, "--count must be from 0 to 1000, not -1"},

		// Settings.
		{"TENANTRY_SPARES=-1", []string{"whowill"}, []string{"TENANTRY_SPARES", "-1"}, ExitUsage,
			`TENANTRY_SPARES="-1": must be a whole number from 0 to 1000`},
		{"TENANTRY_SPARES=lots", []string{"tenant", "list"}, []string{"TENANTRY_SPARES", "lots"}, ExitUsage, `TENANTRY_SPARES="lots"`},
		{"TENANTRY_WORKERS=0", []string{"worker"}, []string{"TENANTRY_WORKERS", "0"}, ExitUsage,
			`TENANTRY_WORKERS="0": must be a whole number from 1 to 1000`},
		{"TENANTRY_WORKERS=1001", []string{"whowill"}, []string{"TENANTRY_WORKERS", "1001"}, ExitUsage, `TENANTRY_WORKERS="1001"`},
		{"TENANTRY_POOL_HTTP=0", []string{"serve"}, []string{"TENANTRY_POOL_HTTP", "0"}, ExitUsage,
			`TENANTRY_POOL_HTTP="0": must be a whole number from 1 to 1000`},
		{"TENANTRY_POOL_JOBS=1", []string{"worker"}, []string{"TENANTRY_POOL_JOBS", "1"}, ExitUsage,
			`TENANTRY_POOL_JOBS="1": must be a whole number from 2 to 1000`},
		{"TENANTRY_SMTP_URL=http://x", []string{"worker"}, []string{"TENANTRY_SMTP_URL", "http://x"}, ExitUsage,
			`TENANTRY_SMTP_URL / TENANTRY_MAIL_FROM: mail config: URL "http://x": scheme "http" is not smtp or smtps`},
		{"SMTP port 99999", []string{"worker"}, []string{"TENANTRY_SMTP_URL", "smtp://mail.example.com:99999"}, ExitUsage,
			`port "99999" is not a number from 1 to 65535`},
		{"TENANTRY_STATIC_SCHEMAS=public", []string{"whowill"}, []string{"TENANTRY_STATIC_SCHEMAS", "public"}, ExitUsage,
			`TENANTRY_STATIC_SCHEMAS: "public" is public, a tenant's or a spare's schema name`},
		{"TENANTRY_STATIC_SCHEMAS=pg_catalog", []string{"whowill"}, []string{"TENANTRY_STATIC_SCHEMAS", "pg_catalog"}, ExitUsage,
			"TENANTRY_STATIC_SCHEMAS: invalid schema \"pg_catalog\": is reserved for PostgreSQL"},
		{"TENANTRY_STATIC_SCHEMAS=a;b", []string{"migrate"}, []string{"TENANTRY_STATIC_SCHEMAS", "main,a;b"}, ExitUsage,
			`TENANTRY_STATIC_SCHEMAS: invalid schema "a;b"`},
		{"short TENANTRY_SECRET_KEY", []string{"serve"}, []string{"TENANTRY_SECRET_KEY", "short"}, ExitUsage,
			"TENANTRY_SECRET_KEY: signing secret must be at least 32 bytes, got 5"},
		{"unreachable database", []string{"tenant", "list"}, []string{"DATABASE_URL", unreachableDB}, ExitFailure,
			"connect to the database: failed to connect"},
		{"malformed DATABASE_URL", []string{"tenant", "list"}, []string{"DATABASE_URL", "postgres://[::1"}, ExitUsage, "DATABASE_URL:"},

		// Benchmarks, against a server that is not there.
		{"bench provision --tenants 0", bench("provision", "--tenants", "0"), []string{"DATABASE_URL", unreachableDB}, ExitUsage,
			"--tenants must be from 1 to 10000, not 0"},
		{"bench signup --signups 10001", bench("signup", "--signups", "10001"), []string{"DATABASE_URL", unreachableDB}, ExitUsage,
			"--signups must be from 1 to 10000, not 10001"},
		{"bench fleet --schemas 0", bench("fleet", "--schemas", "0"), []string{"DATABASE_URL", unreachableDB}, ExitUsage,
			"--schemas must be from 1 to 100000, not 0"},
		{"bench fleet --parallel 65", bench("fleet", "--parallel", "65"), []string{"DATABASE_URL", unreachableDB}, ExitUsage,
			"--parallel must be from 1 to 64, not 65"},
		{"bench http --tenants 0", bench("http", "--tenants", "0"), []string{"DATABASE_URL", unreachableDB}, ExitUsage,
			"--tenants must be from 1 to 10000, not 0"},
		{"bench isolation --tenants 1", bench("isolation", "--tenants", "1"), []string{"DATABASE_URL", unreachableDB}, ExitUsage,
			"--tenants must be from 2 to 10000, not 1"},
		{"bench isolation --duration 0s", bench("isolation", "--duration", "0s"), []string{"DATABASE_URL", unreachableDB}, ExitUsage,
			"--duration must be positive"},
		{"bench scale --tenants 0", bench("scale", "--tenants", "0"), []string{"DATABASE_URL", unreachableDB}, ExitUsage,
			"--tenants must be from 1 to 100000, not 0"},
		{"bench scale --stages 0", bench("scale", "--stages", "0"), []string{"DATABASE_URL", unreachableDB}, ExitUsage,
			"--stages must be positive, not 0"},
		{"bench --json into a missing directory", bench("provision", "--json", "/nonexistent-dir/r.json"), []string{"DATABASE_URL", unreachableDB},
			ExitUsage, "--json: cannot write /nonexistent-dir/r.json"},
		{"bench --tenants not a number", bench("provision", "--tenants", "many"), []string{"DATABASE_URL", unreachableDB}, ExitUsage,
			`invalid argument "many" for "--tenants"`},
		{"bench --tables -1", bench("provision", "--tables", "-1"), []string{"DATABASE_URL", unreachableDB}, ExitUsage,
			"--tables must be from 1 to 999"},
		{"bench http --clients 0", bench("http", "--clients", "0"), []string{"DATABASE_URL", unreachableDB}, ExitUsage, "--clients"},
		{"bench http --conns 0", bench("http", "--conns", "0"), []string{"DATABASE_URL", unreachableDB}, ExitUsage, "--conns"},
		{"bench http --duration -1s", bench("http", "--duration", "-1s"), []string{"DATABASE_URL", unreachableDB}, ExitUsage, "--duration"},
		{"bench fleet --sweep 0", bench("fleet", "--sweep", "0,-1"), []string{"DATABASE_URL", unreachableDB}, ExitUsage, "--sweep"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := 0; i+1 < len(c.env); i += 2 {
				t.Setenv(c.env[i], c.env[i+1])
			}
			code, _, errOut := run(t, c.args...)
			if code != c.exit || !strings.Contains(errOut, c.msg) {
				t.Errorf("tenantry %s: exit %d, stderr %q; want exit %d and a message containing %q",
					strings.Join(c.args, " "), code, errOut, c.exit, c.msg)
			}
			if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("stderr is not one line: %q", errOut)
			}
		})
	}
	assertOnlyTenant(t, url, "taken")
	var operators, benchDBs int
	err := tenanttest.Pool(t, url).QueryRow(context.Background(), `SELECT (SELECT count(*) FROM public.operators),
		(SELECT count(*) FROM pg_database WHERE datname LIKE 'tenantry\_bench\_%' OR datname LIKE 'tenantry\_leakhunt\_%')`).Scan(&operators, &benchDBs)
	if err != nil || operators != 0 || benchDBs != 0 {
		t.Errorf("refused commands left %d operators and %d benchmark databases (%v)", operators, benchDBs, err)
	}
}
