package export

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
)

// restoreScript runs the SQL script pg_restore made of a schema's dump in
// tx, renaming the schema with rn: each statement on its own, and each
// COPY's data streamed from the script. Session settings become
// transaction-local ones (SET LOCAL), so that nothing outlives tx on a
// pooled connection; the schema's own CREATE SCHEMA is skipped (the schema
// exists, made as provisioning makes it). Errors name the statement.
func restoreScript(ctx context.Context, tx pgx.Tx, script io.Reader, rn renamer) error {
	run := &scriptRun{tx: tx, r: bufio.NewReaderSize(script, 1<<20), rn: rn, saved: map[string]string{}}
	if err := run.all(ctx); err != nil {
		return err
	}
	return run.restoreSettings(ctx)
}

// scriptRun is one run of a script.
type scriptRun struct {
	tx    pgx.Tx
	r     *bufio.Reader
	rn    renamer
	n     int               // statements run
	saved map[string]string // settings the script changed -> their values before
}

func (run *scriptRun) all(ctx context.Context) error {
	r := run.r
	var stmt strings.Builder
	var st lexState
	for {
		line, err := r.ReadString('\n')
		if strings.HasPrefix(line, "\\") && strings.TrimSpace(stripComments(stmt.String())) == "" {
			if !restrictLine.MatchString(line) {
				return fmt.Errorf("the schema's SQL has a psql command this restore does not know: %s", abbreviate(line))
			}
			line = ""
		}
		if line != "" {
			rest := line
			for {
				end := st.feed(rest)
				if end < 0 {
					stmt.WriteString(rest)
					break
				}
				stmt.WriteString(rest[:end])
				run.n++
				if err := run.statement(ctx, stmt.String()); err != nil {
					return err
				}
				stmt.Reset()
				st = lexState{}
				rest = rest[end:]
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read the schema's SQL: %w", err)
		}
	}
	if strings.TrimSpace(stripComments(stmt.String())) != "" {
		return fmt.Errorf("the schema's SQL ends inside a statement: %w", ErrCorrupt)
	}
	return nil
}

var (
	// restrictLine is psql's \restrict and \unrestrict, which pg_dump
	// (15.14 and later) puts around a script against injection by the
	// dumped names: meaningless here, where no psql runs the script.
	restrictLine = regexp.MustCompile(`^\\(un)?restrict [A-Za-z0-9]+\r?\n?$`)
	sessionSet   = regexp.MustCompile(`^SET ([a-z_]+) = (.*);$`)
	setConfig    = regexp.MustCompile(`^SELECT pg_catalog\.set_config\('([a-z_]+)', ('[^']*'), false\);$`)
	copyFromStd  = regexp.MustCompile(`(?s)^COPY .* FROM stdin;$`)
)

// statement runs one statement of the script, with the COPY data that
// follows it.
func (run *scriptRun) statement(ctx context.Context, stmt string) error {
	sql := strings.TrimSpace(stripComments(stmt))
	switch {
	case sql == "" || sql == ";":
		return nil
	case sql == "CREATE SCHEMA "+run.rn.from+";":
		return nil
	case sessionSet.MatchString(sql):
		if err := run.save(ctx, sessionSet.FindStringSubmatch(sql)[1]); err != nil {
			return err
		}
		sql = "SET LOCAL " + strings.TrimPrefix(sql, "SET ")
	case setConfig.MatchString(sql):
		if err := run.save(ctx, setConfig.FindStringSubmatch(sql)[1]); err != nil {
			return err
		}
		sql = setConfig.ReplaceAllString(sql, "SELECT pg_catalog.set_config('$1', $2, true);")
	case copyFromStd.MatchString(sql):
		return copyData(ctx, run.tx, run.r, run.rn.rewrite(sql), run.n)
	default:
		sql = run.rn.rewrite(sql)
	}
	if _, err := run.tx.Conn().PgConn().Exec(ctx, sql).ReadAll(); err != nil {
		return fmt.Errorf("restore statement %d (%s): %w", run.n, abbreviate(sql), err)
	}
	return nil
}

// save notes a setting's value before the script first changes it.
func (run *scriptRun) save(ctx context.Context, name string) error {
	if _, ok := run.saved[name]; ok {
		return nil
	}
	var v string
	if err := run.tx.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v); err != nil {
		return fmt.Errorf("read setting %s: %w", name, err)
	}
	run.saved[name] = v
	return nil
}

// restoreSettings sets what the script changed back, for the rest of the
// transaction (row_security = off, in particular, would make inserts into
// shared tables with row-level security fail).
func (run *scriptRun) restoreSettings(ctx context.Context) error {
	for _, name := range sortedKeys(run.saved) {
		if _, err := run.tx.Exec(ctx, "SELECT set_config($1, $2, true)", name, run.saved[name]); err != nil {
			return fmt.Errorf("set %s back: %w", name, err)
		}
	}
	return nil
}

// copyData runs a COPY ... FROM stdin with the data lines that follow in
// r, up to the line \. that ends them.
func copyData(ctx context.Context, tx pgx.Tx, r *bufio.Reader, sql string, n int) error {
	src := &copySource{r: r}
	_, err := tx.Conn().PgConn().CopyFrom(ctx, src, strings.TrimSuffix(sql, ";"))
	if src.err != nil {
		return src.err
	}
	if err != nil {
		return fmt.Errorf("restore statement %d (%s): %w", n, abbreviate(sql), err)
	}
	return nil
}

// copySource reads COPY data lines up to the terminator line.
type copySource struct {
	r    *bufio.Reader
	buf  []byte
	done bool
	err  error
}

// Read fills p with as many whole or part lines as fit: one CopyData
// message per call, not per row.
func (c *copySource) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(c.buf) == 0 {
			if c.done || (n > 0 && c.r.Buffered() == 0) {
				break // send what there is rather than wait on the file
			}
			if err := c.next(); err != nil {
				return n, err
			}
			continue
		}
		k := copy(p[n:], c.buf)
		c.buf, n = c.buf[k:], n+k
	}
	if n == 0 && c.done {
		return 0, io.EOF
	}
	return n, nil
}

// next reads the next data line into buf, or notes the end of the data.
func (c *copySource) next() error {
	line, err := c.r.ReadBytes('\n')
	if string(line) == "\\.\n" {
		c.done = true
		return nil
	}
	if err != nil {
		c.err = fmt.Errorf("the schema's SQL ends inside COPY data: %w", ErrCorrupt)
		return c.err
	}
	c.buf = line
	return nil
}

// stripComments removes the blank and -- comment lines pg_restore puts
// before a statement; lines within it stay, in a function's body too.
func stripComments(s string) string {
	for s != "" {
		line, rest, _ := strings.Cut(s, "\n")
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "--") {
			return s
		}
		s = rest
	}
	return ""
}

// abbreviate shortens a statement for a message.
func abbreviate(sql string) string {
	sql = strings.Join(strings.Fields(sql), " ")
	if len(sql) > 120 {
		return sql[:120] + "..."
	}
	return sql
}
