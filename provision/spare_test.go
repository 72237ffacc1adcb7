package provision_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/examples/items"
	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// modes are the ways a deployment may run; the spare pool must work in each.
var modes = []spareMode{
	{"superuser", nil, false},
	{"non-superuser", &tenanttest.Options{NonSuperuser: true}, false},
	{"roles off", nil, true},
}

type spareMode struct {
	name    string
	opts    *tenanttest.Options
	noRoles bool
}

// spareEnv is a test database with a provisioner whose pool is on, which
// records each claim (also those of transactions rolled back later).
type spareEnv struct {
	*tenanttest.Env
	p  *provision.Provisioner
	db *tenantdb.DB

	mu     sync.Mutex
	claims map[string]string // tenant schema -> the spare it was made from
}

// newSpareEnv wires a provisioner configured by cfg (with the mode's role
// setting) to env; without cfg.TenantMigrations, it makes env's tenants (see
// withItems). A cfg.OnClaim runs after the claim is recorded.
func newSpareEnv(t *testing.T, env *tenanttest.Env, mode spareMode, cfg *provision.Config) *spareEnv {
	t.Helper()
	s := &spareEnv{Env: env, claims: make(map[string]string),
		db: tenantdb.New(env.Pool, &tenantdb.Config{DisableRoles: mode.noRoles})}
	c := *cfg
	c.DisableRoles = mode.noRoles
	if c.TenantMigrations == nil {
		c.TenantMigrations = env.Sets.Tenant
	}
	c.OnClaim = func(ctx context.Context, tx pgx.Tx, cl provision.Claim) error {
		s.mu.Lock()
		s.claims[cl.Tenant.SchemaName] = cl.Spare // a claim rolled back may come again
		s.mu.Unlock()
		if cfg.OnClaim != nil {
			return cfg.OnClaim(ctx, tx, cl)
		}
		return nil
	}
	s.p = provision.New(env.Pool, &c)
	return s
}

// spareOf returns the spare schema was made from, "" if it was made cold.
func (s *spareEnv) spareOf(schema string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.claims[schema]
}

// refill runs Refill and fails t unless it made want spares.
func (s *spareEnv) refill(t *testing.T, want int) {
	t.Helper()
	n, err := s.p.Refill(context.Background())
	if err != nil || n != want {
		t.Fatalf("Refill = %d, %v; want %d spares made", n, err, want)
	}
}

// create provisions slug with an owner and fails t unless it came from a
// spare exactly when fromSpare.
func (s *spareEnv) create(t *testing.T, slug string, fromSpare bool) *tenantry.Tenant {
	t.Helper()
	ten, err := s.p.Create(context.Background(), slugRequest(slug))
	if err != nil {
		t.Fatalf("create tenant %s: %v", slug, err)
	}
	if spare := s.spareOf(ten.SchemaName); (spare != "") != fromSpare {
		t.Fatalf("tenant %s made from spare %q; want from a spare: %v", slug, spare, fromSpare)
	}
	return ten
}

func slugRequest(slug string) provision.Request {
	return provision.Request{Slug: slug, Name: "Tenant " + slug, Domain: slug + ".test",
		Admin: &provision.Admin{Username: "owner", Email: "owner@" + slug + ".test", Password: "owner-password"}}
}

// spareNames lists the pool's spares.
func spareNames(t *testing.T, p *provision.Provisioner) []string {
	t.Helper()
	spares, err := p.Spares(context.Background())
	if err != nil {
		t.Fatalf("Spares: %v", err)
	}
	var names []string
	for _, s := range spares {
		names = append(names, s.Name)
	}
	return names
}

func TestCreateTakesASpareThenGoesCold(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			env := tenanttest.Setup(t, withItems(mode.opts))
			s := newSpareEnv(t, env, mode, &provision.Config{Spares: 1})
			s.refill(t, 1)
			warm := s.create(t, "warm", true)
			if spare := s.spareOf(warm.SchemaName); spare != "_tenantry_spare_1" {
				t.Errorf("claimed spare %q, want _tenantry_spare_1", spare)
			}
			cold := s.create(t, "cold", false)
			for _, ten := range []*tenantry.Tenant{warm, cold} {
				assertTables(t, env, ten.SchemaName, "items", "tenantry_migrations", "users")
				assertSchemaState(t, env, ten.SchemaName, env.Sets.Tenant.Latest())
				assertAnalyzed(t, env, ten.SchemaName)
				assertWorks(t, s, ten)
			}
			if names := spareNames(t, s.p); len(names) != 0 {
				t.Errorf("pool after the claim holds %q, want nothing", names)
			}
			assertNoSpareState(t, env, "_tenantry_spare_1")
		})
	}
}

// assertAnalyzed fails t unless every table of schema has the planner's
// statistics: a table never analyzed has reltuples -1, and is planned as if
// it held ten pages of rows.
func assertAnalyzed(t *testing.T, env *tenanttest.Env, schema string) {
	t.Helper()
	var never []string
	err := env.Pool.QueryRow(context.Background(), `SELECT coalesce(array_agg(relname::text ORDER BY relname), '{}')
		FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r' AND reltuples < 0`,
		schema).Scan(&never)
	if err != nil {
		t.Fatal(err)
	}
	if len(never) > 0 {
		t.Errorf("tables of %s never analyzed: %v", schema, never)
	}
}

// assertWorks fails t unless ten's owner can be read in a tenant-bound
// transaction and an item written.
func assertWorks(t *testing.T, s *spareEnv, ten *tenantry.Tenant) {
	t.Helper()
	err := s.db.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error {
		var username string
		if err := tx.QueryRow(context.Background(), "SELECT username FROM users").Scan(&username); err != nil {
			return err
		}
		_, err := tx.Exec(context.Background(), "INSERT INTO items (name) VALUES ('first')")
		return err
	})
	if err != nil {
		t.Errorf("work in tenant %s: %v", ten.Slug, err)
	}
}

func assertNoSpareState(t *testing.T, env *tenanttest.Env, spare string) {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), "SELECT count(*) FROM public.tenantry_schema_state WHERE schema_name = $1",
		spare).Scan(&n); err != nil || n != 0 {
		t.Errorf("fleet-summary rows of the claimed spare %s: %d, %v; want none", spare, n, err)
	}
}

func TestPoolOffLeavesSparesAlone(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	s := newSpareEnv(t, env, modes[0], &provision.Config{Spares: 2})
	s.refill(t, 2)
	if _, err := env.Provisioner.Create(context.Background(), acmeRequest()); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if names := spareNames(t, s.p); len(names) != 2 {
		t.Errorf("a provisioner without a pool took a spare: pool holds %q", names)
	}
	if n, err := env.Provisioner.Refill(context.Background()); n != 0 || err != nil {
		t.Errorf("Refill without a pool = %d, %v; want 0, nil", n, err)
	}
}

// A spare behind the tenant set is never handed out; once a fleet run has
// migrated it, it is.
func TestSpareBehindTheSetIsUsedOnlyAfterMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, withItems(nil))
	old := newSpareEnv(t, env, modes[0], &provision.Config{Spares: 2})
	old.refill(t, 2)
	set := notesSet(t)
	s := newSpareEnv(t, env, modes[0], &provision.Config{TenantMigrations: set, Spares: 2})
	for _, sp := range mustSpares(t, s.p) {
		if sp.Current || sp.Version != env.Sets.Tenant.Latest() {
			t.Errorf("spare %+v: want level %d, not current", sp, env.Sets.Tenant.Latest())
		}
	}
	cold := s.create(t, "cold", false)
	assertTables(t, env, cold.SchemaName, "notes")
	f := fleet.New(env.Pool, &fleet.Config{Tenant: set})
	schemas, err := f.Select(ctx, fleet.Selector{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := f.Migrate(ctx, schemas, nil); err != nil || !rep.OK() {
		t.Fatalf("fleet migration: %v, %+v", err, rep)
	}
	warm := s.create(t, "warm", true)
	assertTables(t, env, warm.SchemaName, "notes")
	assertSchemaState(t, env, warm.SchemaName, set.Latest())
}

// notesSet is the items application's tenant set plus a migration adding a
// table notes.
func notesSet(t *testing.T) *migrate.Set {
	t.Helper()
	set, err := items.TenantSet().With("notes", appMigration("notes",
		"CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL)"))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func mustSpares(t *testing.T, p *provision.Provisioner) []provision.Spare {
	t.Helper()
	spares, err := p.Spares(context.Background())
	if err != nil {
		t.Fatalf("Spares: %v", err)
	}
	return spares
}

// The fleet summary can lie (edited by hand, restored from a backup): the
// claim checks the spare's own ledger, passes over a spare that does not
// match, and corrects the summary so that it is not tried again.
func TestSpareWhoseLedgerDisagreesIsPassedOver(t *testing.T) {
	t.Parallel()
	// The spare is made at the items application's level; the summary then
	// says it is at the level of notesSet, the claiming provisioner's set.
	ahead := fmt.Sprintf(`UPDATE public.tenantry_schema_state SET version = %d WHERE schema_name = '_tenantry_spare_1';`,
		notesSet(t).Latest())
	notes := appMigration("notes", "")
	tests := []struct {
		name      string
		tamper    string // run against the spare _tenantry_spare_1 and its row
		wantError string // in the spare's recorded error; "" for none
		version   int    // the spare's recorded level afterwards
	}{
		{"summary ahead of ledger", ahead, "", items.TenantSet().Latest()},
		{"migration edited", ahead + fmt.Sprintf(`INSERT INTO _tenantry_spare_1.tenantry_migrations (line, version, name, checksum)
			VALUES ('%s', %d, 'notes', 'not the checksum')`, notes.Line, notes.Version),
			"edited", notesSet(t).Latest()},
		{"migration unknown", ahead + fmt.Sprintf(`INSERT INTO _tenantry_spare_1.tenantry_migrations (line, version, name, checksum)
			VALUES ('%s', 99, 'gone', 'x')`, notes.Line),
			"missing from this binary", notesSet(t).Latest()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := tenanttest.Setup(t, withItems(nil))
			newSpareEnv(t, env, modes[0], &provision.Config{Spares: 1}).refill(t, 1)
			if _, err := env.Pool.Exec(context.Background(), tt.tamper); err != nil {
				t.Fatal(err)
			}
			s := newSpareEnv(t, env, modes[0], &provision.Config{TenantMigrations: notesSet(t), Spares: 1})
			s.create(t, "acme", false)
			spares := mustSpares(t, s.p)
			if len(spares) != 1 || spares[0].Current || spares[0].Version != tt.version ||
				!strings.Contains(spares[0].Error, tt.wantError) || (tt.wantError == "") != (spares[0].Error == "") {
				t.Errorf("spare after the refused claim = %+v; want level %d, error containing %q", spares, tt.version, tt.wantError)
			}
		})
	}
}

func TestConcurrentCreatesShareThePool(t *testing.T) {
	for _, mode := range modes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			env := tenanttest.Setup(t, mode.opts)
			s := newSpareEnv(t, env, mode, &provision.Config{Spares: 3})
			s.refill(t, 3)
			var next sync.Mutex
			i := 0
			errs := race(8, func() error {
				next.Lock()
				i++
				slug := fmt.Sprintf("t%d", i)
				next.Unlock()
				_, err := s.p.Create(context.Background(), slugRequest(slug))
				return err
			})
			for _, err := range errs {
				if err != nil {
					t.Errorf("a concurrent Create failed: %v", err)
				}
			}
			var spares []string
			for _, spare := range s.claims {
				spares = append(spares, spare)
			}
			slices.Sort(spares)
			if want := []string{"_tenantry_spare_1", "_tenantry_spare_2", "_tenantry_spare_3"}; !slices.Equal(spares, want) {
				t.Errorf("spares claimed: %q, want each of %q once", spares, want)
			}
			assertFootprint(t, env, footprint{tenants: 8, domains: 8, states: 8, schemas: 8, roles: 8})
			if names := spareNames(t, s.p); len(names) != 0 {
				t.Errorf("pool after 8 creates holds %q, want nothing", names)
			}
		})
	}
}

// A create that fails after its claim, or whose caller rolls back, leaves
// the spare a spare: same name, no tenant role, still in the pool.
func TestFailedCreateLeavesTheSpareInThePool(t *testing.T) {
	t.Parallel()
	errHook := errors.New("job queue down")
	tests := []struct {
		name    string
		prepare func(t *testing.T, env *tenanttest.Env)
		onClaim func(context.Context, pgx.Tx, provision.Claim) error
		want    error
	}{
		{"domain taken", func(t *testing.T, env *tenanttest.Env) {
			other := env.CreateTenant(t, "other")
			if _, err := env.Pool.Exec(context.Background(), "UPDATE public.domains SET domain = 'acme.test' WHERE tenant_id = $1", other.ID); err != nil {
				t.Fatal(err)
			}
		}, nil, tenantry.ErrDomainTaken},
		{"orphan schema", func(t *testing.T, env *tenanttest.Env) {
			if _, err := env.Pool.Exec(context.Background(), "CREATE SCHEMA tenant_acme"); err != nil {
				t.Fatal(err)
			}
		}, nil, tenantry.ErrTenantExists},
		{"OnClaim fails", nil, failOnce(errHook), errHook},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := tenanttest.Setup(t, withItems(nil))
			if tt.prepare != nil {
				tt.prepare(t, env)
			}
			s := newSpareEnv(t, env, modes[0], &provision.Config{Spares: 1, OnClaim: tt.onClaim})
			s.refill(t, 1)
			before := spareCatalog(t, env)
			_, err := s.p.Create(context.Background(), slugRequest("acme"))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Create = %v, want %v", err, tt.want)
			}
			assertNoRawPgError(t, err)
			assertSpareIntact(t, s, before)
		})
	}
}

// failOnce returns an OnClaim hook that fails with err the first time.
func failOnce(err error) func(context.Context, pgx.Tx, provision.Claim) error {
	var failed atomic.Bool
	return func(context.Context, pgx.Tx, provision.Claim) error {
		if failed.CompareAndSwap(false, true) {
			return err
		}
		return nil
	}
}

// spareCatalog is the catalog dump of the spare _tenantry_spare_1.
func spareCatalog(t *testing.T, env *tenanttest.Env) []string {
	t.Helper()
	return catalogOf(t, env, &tenantry.Tenant{SchemaName: "_tenantry_spare_1"})
}

// assertSpareIntact fails t unless _tenantry_spare_1 is still in the pool,
// current, with the catalog it had before (but for its sequences'
// positions: a rolled back insert does not restore them), and still makes a
// tenant indistinguishable from a cold one.
func assertSpareIntact(t *testing.T, s *spareEnv, before []string) {
	t.Helper()
	spares := mustSpares(t, s.p)
	if len(spares) != 1 || spares[0].Name != "_tenantry_spare_1" || !spares[0].Current {
		t.Fatalf("pool = %+v, want _tenantry_spare_1 current", spares)
	}
	if d := diffLines(withoutSequencePositions(before), withoutSequencePositions(spareCatalog(t, s.Env))); d != "" {
		t.Errorf("the spare's catalog changed:\n%s", d)
	}
	warm := s.create(t, "fine", true)
	cold := s.create(t, "finecold", false)
	if d := diffLines(catalogOf(t, s.Env, cold), catalogOf(t, s.Env, warm)); d != "" {
		t.Errorf("a tenant made from a spare whose claim failed differs from a cold one:\n%s", d)
	}
	assertWorks(t, s, warm)
}

func TestCreateTxInTheCallersTransaction(t *testing.T) {
	t.Parallel()
	for _, spares := range []int{0, 1} {
		t.Run(fmt.Sprintf("spares=%d", spares), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			env := tenanttest.Setup(t, withItems(nil))
			s := newSpareEnv(t, env, modes[0], &provision.Config{Spares: spares})
			s.refill(t, spares)
			before := spareCatalogIf(t, env, spares)
			// The caller rolls back: nothing is left, the spare is still one.
			err := pgx.BeginFunc(ctx, env.Pool, func(tx pgx.Tx) error {
				if _, err := s.p.CreateTx(ctx, tx, slugRequest("acme")); err != nil {
					return err
				}
				return errors.New("signup abandoned")
			})
			if err == nil || err.Error() != "signup abandoned" {
				t.Fatalf("BeginFunc = %v", err)
			}
			assertFootprint(t, env, footprint{})
			if spares > 0 {
				if d := diffLines(withoutSequencePositions(before), withoutSequencePositions(spareCatalog(t, env))); d != "" {
					t.Errorf("a rolled back CreateTx changed the spare:\n%s", d)
				}
			}
			// The caller commits its own row with the tenant; its search_path is kept.
			var ten *tenantry.Tenant
			err = pgx.BeginFunc(ctx, env.Pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SET LOCAL search_path = pg_temp, public"); err != nil {
					return err
				}
				if ten, err = s.p.CreateTx(ctx, tx, slugRequest("acme")); err != nil {
					return err
				}
				var path string
				if err := tx.QueryRow(ctx, "SHOW search_path").Scan(&path); err != nil || path != "pg_temp, public" {
					return fmt.Errorf("search_path after CreateTx = %q, %v; want pg_temp, public", path, err)
				}
				_, err := tx.Exec(ctx, "UPDATE public.tenants SET plan = 'trial' WHERE id = $1", ten.ID)
				return err
			})
			if err != nil {
				t.Fatalf("CreateTx: %v", err)
			}
			if (s.spareOf(ten.SchemaName) != "") != (spares > 0) {
				t.Errorf("tenant made from spare %q with a pool of %d", s.spareOf(ten.SchemaName), spares)
			}
			got, err := env.Registry.Find(ctx, "acme")
			if err != nil || got.Plan != "trial" {
				t.Errorf("tenant after commit = %+v, %v; want plan trial", got, err)
			}
			assertWorks(t, s, ten)
		})
	}
}

func spareCatalogIf(t *testing.T, env *tenanttest.Env, spares int) []string {
	if spares == 0 {
		return nil
	}
	return spareCatalog(t, env)
}

func TestCreateTxRefusesBadInputWithoutTouchingTheTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	err := pgx.BeginFunc(ctx, env.Pool, func(tx pgx.Tx) error {
		req := slugRequest("acme")
		req.Slug = "Not A Slug"
		if _, err := env.Provisioner.CreateTx(ctx, tx, req); !tenantry.IsValidation(err) {
			return fmt.Errorf("CreateTx with a bad slug = %v, want a validation error", err)
		}
		_, err := tx.Exec(ctx, "SELECT 1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRefillIsIdempotentAndSafeConcurrently(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	s := newSpareEnv(t, env, modes[0], &provision.Config{Spares: 4})
	var total sync.Mutex
	made := 0
	errs := race(6, func() error {
		n, err := s.p.Refill(context.Background())
		total.Lock()
		made += n
		total.Unlock()
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Errorf("a concurrent Refill failed: %v", err)
		}
	}
	want := []string{"_tenantry_spare_1", "_tenantry_spare_2", "_tenantry_spare_3", "_tenantry_spare_4"}
	if names := spareNames(t, s.p); made != 4 || !slices.Equal(names, want) {
		t.Errorf("6 concurrent refills made %d spares, pool %q; want 4: %q", made, names, want)
	}
	s.refill(t, 0)
	s.create(t, "acme", true)
	s.refill(t, 1)
	if names := spareNames(t, s.p); len(names) != 4 {
		t.Errorf("pool after a claim and a refill = %q, want 4 spares", names)
	}
}

// A fleet run that reaches a spare just as it is claimed records a row for
// the spare's old name: Refill forgets such rows and does not count them.
func TestRefillForgetsDroppedSpares(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	s := newSpareEnv(t, env, modes[0], &provision.Config{Spares: 2})
	s.refill(t, 2)
	if _, err := env.Pool.Exec(context.Background(), "DROP SCHEMA _tenantry_spare_2 CASCADE"); err != nil {
		t.Fatal(err)
	}
	s.refill(t, 1)
	var rows int
	if err := env.Pool.QueryRow(context.Background(), "SELECT count(*) FROM public.tenantry_schema_state WHERE kind = 'spare'").
		Scan(&rows); err != nil || rows != 2 {
		t.Errorf("spare rows in the fleet summary = %d, %v; want 2", rows, err)
	}
}

func TestDeleteOfATenantMadeFromASpare(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			env := tenanttest.Setup(t, mode.opts)
			s := newSpareEnv(t, env, mode, &provision.Config{Spares: 1})
			s.refill(t, 1)
			ten := s.create(t, "acme", true)
			if _, err := s.p.Delete(context.Background(), "acme"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			assertGone(t, env, ten)
			assertFootprint(t, env, footprint{})
		})
	}
}

// The role layer holds for tenants made from spares: a transaction bound to
// one tenant cannot read another's schema, even by naming it.
func TestTenantsMadeFromSparesCannotReadEachOther(t *testing.T) {
	for _, mode := range modes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			env := tenanttest.Setup(t, mode.opts)
			s := newSpareEnv(t, env, mode, &provision.Config{Spares: 2})
			s.refill(t, 2)
			a, b := s.create(t, "a", true), s.create(t, "b", true)
			cold := s.create(t, "cold", false)
			for _, pair := range [][2]*tenantry.Tenant{{a, b}, {b, a}, {cold, a}, {a, cold}} {
				err := s.db.InTenant(context.Background(), pair[0], func(tx *tenantdb.Tx) error {
					_, err := tx.Exec(context.Background(), "SELECT * FROM "+pgx.Identifier{pair[1].SchemaName, "users"}.Sanitize())
					return err
				})
				if pgerr.Code(err) != "42501" {
					t.Errorf("tenant %s reading %s's users = %v, want permission denied (42501)", pair[0].Slug, pair[1].Slug, err)
				}
			}
		})
	}
}

// captureSQL declares a function that keeps the schema's name in its
// settings.
const captureSQL = `CREATE FUNCTION item_count() RETURNS bigint LANGUAGE sql SET search_path FROM CURRENT AS 'SELECT count(*) FROM items'`

func TestRefillRefusesMigrationsThatKeepTheSchemaName(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, withItems(nil))
	set, err := env.Sets.Tenant.With("capture", appMigration("capture", captureSQL))
	if err != nil {
		t.Fatal(err)
	}
	s := newSpareEnv(t, env, modes[0], &provision.Config{TenantMigrations: set, Spares: 2})
	if n, err := s.p.Refill(context.Background()); n != 0 || !errors.Is(err, provision.ErrNameCaptured) ||
		!strings.Contains(err.Error(), "item_count") {
		t.Errorf("Refill = %d, %v; want 0 and ErrNameCaptured naming item_count", n, err)
	}
	if names := spareNames(t, s.p); len(names) != 0 {
		t.Errorf("pool = %q, want nothing", names)
	}
	var schemas int
	if err := env.Pool.QueryRow(context.Background(), "SELECT count(*) FROM pg_namespace WHERE nspname LIKE '\\_tenantry%'").
		Scan(&schemas); err != nil || schemas != 0 {
		t.Errorf("spare schemas left: %d, %v", schemas, err)
	}
}

// A spare that gained such a function later (a fleet migration) is passed
// over and marked failed.
func TestClaimPassesOverASpareThatKeepsItsName(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, withItems(nil))
	s := newSpareEnv(t, env, modes[0], &provision.Config{Spares: 1})
	s.refill(t, 1)
	if _, err := env.Pool.Exec(context.Background(), "SET search_path = _tenantry_spare_1; "+captureSQL+"; RESET search_path"); err != nil {
		t.Fatal(err)
	}
	s.create(t, "acme", false)
	spares := mustSpares(t, s.p)
	if len(spares) != 1 || spares[0].Current || !strings.Contains(spares[0].Error, "item_count") {
		t.Errorf("pool = %+v, want the spare marked failed for item_count", spares)
	}
}

// A claim does not wait for a spare that a migration holds (that could
// deadlock with the migration's summary update): it goes cold. This also
// pins provision's copy of migrate's lock key.
func TestClaimPassesOverSpareUnderMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := tenanttest.Setup(t, nil)
	s := newSpareEnv(t, env, modes[0], &provision.Config{Spares: 1})
	s.refill(t, 1)
	tx, err := env.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Sets.Tenant.Apply(ctx, tx, "_tenantry_spare_1", nil); err != nil {
		t.Fatal(err)
	}
	s.create(t, "busy", false)
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	s.create(t, "free", true)
}

func TestCreateWithAPasswordHash(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	hash, err := auth.HashPassword("typed at signup")
	if err != nil {
		t.Fatal(err)
	}
	req := acmeRequest()
	req.Admin.Password, req.Admin.PasswordHash = "", hash
	ten, err := env.Provisioner.Create(context.Background(), req)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	var stored string
	err = env.DB.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT password_hash FROM users").Scan(&stored)
	})
	if err != nil || stored != hash {
		t.Errorf("stored hash = %q, %v; want the one given", stored, err)
	}
	req.Slug, req.Domain, req.Admin.PasswordHash = "bad", "bad.test", "not-a-hash"
	if _, err := env.Provisioner.Create(context.Background(), req); err == nil {
		t.Error("Create with a malformed hash succeeded")
	}
	assertFootprint(t, env, footprint{tenants: 1, domains: 1, states: 1, schemas: 1, roles: 1})
}
