package migrations_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivershared/sqlctemplate"
	"github.com/riverqueue/river/rivershared/util/dbutil"

	"github.com/tenantry/tenantry/migrations"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

var update = flag.Bool("update", false, "rewrite the generated River migrations in shared/")

// riverFile is one shared migration generated from River's versions First
// to Last of the line "main".
type riverFile struct {
	Name        string // its file name in shared/
	First, Last int
}

// riverFiles are the shared migrations that apply River's versions, in
// order. A River upgrade that brings versions 9 and 10 appends
// {"00NN_river_v9_v10.sql", 9, 10} (00NN: the next free shared number) and
// runs go generate ./migrations; the files already here never change.
var riverFiles = []riverFile{
	{Name: "0005_river.sql", First: 1, Last: 8},
}

const riverHeader = `-- River's job queue (github.com/riverqueue/river), migration line "main",
-- versions %d to %d, rendered for the schema %s as rivermigrate renders them.
--
-- GENERATED: do not edit. go generate ./migrations renders the River files
-- from the River version in go.mod; TestRiverMigrationsCurrent fails when
-- one differs from that rendering or when River has versions no file
-- applies. Once applied anywhere this file must never change (its checksum
-- is in each database's ledger): a River upgrade that brings new versions
-- adds a new shared migration NNNN_river_vX.sql (X: River's first new
-- version; riverFiles in migrations/river_test.go lists them).
--
-- River's versions appear verbatim, each under a "-- River version" line.
-- River applies each in a transaction of its own, but a migration here is
-- one transaction, so statements marked "-- Tenantry, not River" make that
-- work, leaving River's schema exactly as rivermigrate leaves it
-- (TestRiverSchemaMatchesRivermigrate compares the two). The file ends by
-- recording its versions in river_migration, so that River's own tooling
-- (rivermigrate Validate, ExistingVersions) agrees they are applied.
`

// riverGlue holds statements of ours to run before River's version of the
// key, for a version that cannot run in the same transaction as earlier
// ones the way River wrote it.
var riverGlue = map[int]string{
	// A value given at CREATE TYPE is usable at once, even in the
	// transaction that creates the type; one added later is not.
	4: `-- Tenantry, not River: version 6 uses the enum value 'pending' that version
-- 4 adds, and PostgreSQL refuses to use a value added by ALTER TYPE ... ADD
-- VALUE before the transaction commits. River commits between versions;
-- this migration is one transaction. So river_job_state is made again here
-- with 'pending' in the place version 4 gives it, which version 4's ADD
-- VALUE IF NOT EXISTS then finds. river_job is empty: version 2 created it
-- in this transaction. Its check constraint names the type, so it is made
-- again too, as version 2 made it (version 4 replaces it).
ALTER TABLE %[1]sriver_job DROP CONSTRAINT finalized_or_finalized_at_null;
ALTER TYPE %[1]sriver_job_state RENAME TO river_job_state_before_pending;
CREATE TYPE %[1]sriver_job_state AS ENUM(
  'available',
  'cancelled',
  'completed',
  'discarded',
  'pending',
  'retryable',
  'running',
  'scheduled'
);
ALTER TABLE %[1]sriver_job
  ALTER COLUMN state DROP DEFAULT,
  ALTER COLUMN state TYPE %[1]sriver_job_state USING state::text::%[1]sriver_job_state,
  ALTER COLUMN state SET DEFAULT 'available',
  ADD CONSTRAINT finalized_or_finalized_at_null CHECK ((state IN ('cancelled', 'completed', 'discarded') AND finalized_at IS NOT NULL) OR finalized_at IS NULL);
DROP TYPE %[1]sriver_job_state_before_pending;
`,
}

// renderRiver returns the shared migration for River's versions first to
// last: each version's up SQL with its schema template rendered exactly as
// rivermigrate does, then the insert that records them.
func renderRiver(first, last int) (string, error) {
	driver := riverpgxv5.New(nil)
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return "", fmt.Errorf("river migrator: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, riverHeader, first, last, migrations.RiverSchema)
	var rows []string
	for v := first; v <= last; v++ {
		mig, err := m.GetVersion(v)
		if err != nil {
			return "", fmt.Errorf("river version %d: %w", v, err)
		}
		sql, err := renderRiverSQL(driver, mig.SQLUp)
		if err != nil {
			return "", fmt.Errorf("render river version %d: %w", v, err)
		}
		if glue, ok := riverGlue[v]; ok {
			fmt.Fprintf(&b, "\n"+glue, riverSchemaPrefix())
		}
		fmt.Fprintf(&b, "\n-- River version %03d: %s\n\n%s\n", v, mig.Name, sql)
		rows = append(rows, fmt.Sprintf("('main', %d)", v))
	}
	fmt.Fprintf(&b, "\n-- Record the versions as rivermigrate would.\nINSERT INTO %sriver_migration (line, version)\nVALUES %s;\n",
		riverSchemaPrefix(), strings.Join(rows, ", "))
	return b.String(), nil
}

// riverSchemaPrefix is what rivermigrate puts in place of the schema
// template for a configured schema.
func riverSchemaPrefix() string { return dbutil.SafeIdentifier(migrations.RiverSchema) + "." }

// renderRiverSQL renders one version's SQL as rivermigrate does: through
// sqlctemplate with the schema prefix, when it has a template at all.
func renderRiverSQL(driver *riverpgxv5.Driver, sql string) (string, error) {
	if strings.Contains(sql, "/* TEMPLATE: schema */") {
		ctx := sqlctemplate.WithReplacements(context.Background(),
			map[string]sqlctemplate.Replacement{"schema": {Value: riverSchemaPrefix()}}, nil)
		var r sqlctemplate.Replacer
		var err error
		if sql, _, err = r.RunSafely(ctx, driver.ArgPlaceholder(), sql, nil); err != nil {
			return "", err
		}
	}
	sql = strings.TrimSpace(sql)
	if !strings.HasSuffix(sql, ";") {
		sql += ";"
	}
	return sql, nil
}

func TestRiverMigrationsCurrent(t *testing.T) {
	for _, f := range riverFiles {
		want, err := renderRiver(f.First, f.Last)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("shared", f.Name)
		if *update {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go generate ./migrations writes it)", err)
		}
		if string(got) != want {
			t.Errorf("%s differs from what River renders for versions %d to %d. If it was edited by hand, "+
				"run go generate ./migrations. If River changed versions it already applies, do not rewrite it "+
				"once databases have applied it (their ledgers hold its checksum): carry the change in a new file.",
				path, f.First, f.Last)
		}
	}
	checkRiverCoverage(t)
}

// checkRiverCoverage fails t unless riverFiles apply every River version
// once, in order, and name every River file in shared/.
func checkRiverCoverage(t *testing.T) {
	t.Helper()
	m, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	all := m.AllVersions()
	latest := all[len(all)-1].Version
	next := 1
	for _, f := range riverFiles {
		if f.First != next || f.Last < f.First {
			t.Fatalf("riverFiles: %s applies versions %d to %d; want it to start at %d", f.Name, f.First, f.Last, next)
		}
		next = f.Last + 1
	}
	if next <= latest {
		t.Errorf("River has migration versions %d to %d that no shared migration applies: append "+
			`{Name: "NNNN_river_v%d.sql", First: %d, Last: %d} to riverFiles (NNNN: the next shared number) and run go generate ./migrations`,
			next, latest, next, next, latest)
	}
	if next > latest+1 {
		t.Errorf("riverFiles apply versions up to %d, but River has only %d", next-1, latest)
	}
	onDisk, err := filepath.Glob(filepath.Join("shared", "*_river*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range onDisk {
		if !slices.ContainsFunc(riverFiles, func(f riverFile) bool { return f.Name == filepath.Base(p) }) {
			t.Errorf("%s is not in riverFiles, so nothing checks it against River", p)
		}
	}
}
