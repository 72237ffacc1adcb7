package export

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/tenantry/tenantry/localpg"
)

// tools are PostgreSQL's client programs the archives are made and read
// with.
type tools struct {
	pgDump, pgRestore string
}

// findTools locates pg_dump and pg_restore as localpg finds the server:
// configured paths first, else pg_config's bindir, the newest Debian
// installation, then $PATH.
func findTools(cfg *Config) (tools, error) {
	t := tools{pgDump: cfg.PgDump, pgRestore: cfg.PgRestore}
	var err error
	if t.pgDump == "" {
		if t.pgDump, err = localpg.FindTool("pg_dump"); err != nil {
			return t, err
		}
	}
	if t.pgRestore == "" {
		if t.pgRestore, err = localpg.FindTool("pg_restore"); err != nil {
			return t, err
		}
	}
	return t, nil
}

// dumpArgs are pg_dump's arguments for schema, read in snapshot, written to
// file. Owners and privileges are left out: the restore gives the schema
// to the importing login and the new tenant's role, as provisioning does.
func dumpArgs(conn, schema, snapshot, file string) []string {
	return []string{
		"--format=custom", "--schema=" + schema, "--strict-names",
		"--no-owner", "--no-privileges", "--no-tablespaces", "--no-publications",
		"--no-subscriptions", "--no-security-labels", "--no-sync",
		"--lock-wait-timeout=60000", "--snapshot=" + snapshot,
		"--file=" + file, "--dbname=" + conn,
	}
}

// run runs a client program and returns its error with what it printed on
// stderr (its last 2 KiB).
func run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "PGAPPNAME=tenantry-export")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2048 {
			msg = "..." + msg[len(msg)-2048:]
		}
		return fmt.Errorf("%s: %w: %s", name, err, msg)
	}
	return nil
}

// version returns a program's --version line.
func version(ctx context.Context, name string) string {
	out, err := exec.CommandContext(ctx, name, "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// restoreSQL turns a custom-format dump into the SQL script that makes it
// again, without connecting to a database.
func (t tools) restoreSQL(ctx context.Context, dump, script string) error {
	if err := run(ctx, t.pgRestore, "--no-owner", "--no-privileges", "--file="+script, dump); err != nil {
		return fmt.Errorf("read the schema dump (is this pg_restore older than the pg_dump that wrote it?): %w", err)
	}
	return nil
}

// pgxOnlyParams are connection-string parameters of pgx's that libpq, and
// so pg_dump, refuses.
var pgxOnlyParams = []string{"pool_", "statement_cache_capacity", "description_cache_capacity",
	"default_query_exec_mode", "min_read_buffer_size", "max_read_buffer_size"}

// libpqConnString removes pgx's own parameters from a connection string
// (URL or key=value form) for pg_dump.
func libpqConnString(conn string) string {
	if u, err := url.Parse(conn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		for k := range q {
			if pgxOnly(k) {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	var kept []string
	for _, f := range strings.Fields(conn) {
		k, _, _ := strings.Cut(f, "=")
		if !pgxOnly(k) {
			kept = append(kept, f)
		}
	}
	return strings.Join(kept, " ")
}

func pgxOnly(key string) bool {
	for _, p := range pgxOnlyParams {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}
