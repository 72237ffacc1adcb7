package export_test

import (
	"context"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/app"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/export"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// shopTables is the shop application's first migration: one of each kind
// of object a dump and its renaming could get wrong.
const shopTables = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE products (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name  text NOT NULL UNIQUE,
    note  text NOT NULL DEFAULT 'tenant_x.products is not a name'
);
CREATE SEQUENCE invoice_numbers AS integer START 1000 INCREMENT 5 CACHE 3;
CREATE TABLE invoices (
    id         serial PRIMARY KEY,
    number     integer NOT NULL DEFAULT nextval('invoice_numbers') UNIQUE,
    product_id bigint REFERENCES products (id) ON DELETE CASCADE,
    user_id    bigint REFERENCES users (id),
    mood       mood NOT NULL DEFAULT 'ok',
    total      numeric(12, 2) CHECK (total >= 0),
    label      text COLLATE "C" GENERATED ALWAYS AS (lower(coalesce(total, 0)::text)) STORED,
    memo       text
);
ALTER SEQUENCE invoice_numbers OWNED BY invoices.number;
CREATE INDEX invoices_product_idx ON invoices (product_id) WHERE total > 0;
CREATE FUNCTION invoices_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- a comment; with a semicolon
    NEW.total := coalesce(NEW.total, 0) + (SELECT count(*) FROM products);
    RETURN NEW;
END $$;
CREATE TRIGGER invoices_touch BEFORE INSERT ON invoices FOR EACH ROW EXECUTE FUNCTION invoices_touch();
CREATE FUNCTION invoice_count() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(*) FROM invoices; END;
CREATE VIEW big_invoices AS SELECT i.id, i.total, p.name FROM invoices i JOIN products p ON p.id = i.product_id WHERE i.total > 1;
CREATE MATERIALIZED VIEW invoice_totals AS SELECT product_id, sum(total) AS total FROM invoices GROUP BY product_id;
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, at timestamptz NOT NULL, body jsonb) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
CREATE POLICY invoices_positive ON invoices USING (total >= 0) WITH CHECK (total < 1000000);
COMMENT ON TABLE invoices IS 'billing; in tenant''s currency';
COMMENT ON COLUMN invoices.total IS E'with \\ and '' quotes';
`

// shopMore is the shop application's second migration.
const shopMore = `ALTER TABLE products ADD COLUMN price numeric(10, 2) NOT NULL DEFAULT 0;
CREATE INDEX products_price_idx ON products (price);`

// shopApp is the shop application with its first n migrations.
func shopApp(n int) *app.App {
	files := fstest.MapFS{"0001_tables.sql": {Data: []byte(shopTables)}}
	if n > 1 {
		files["0002_more.sql"] = &fstest.MapFile{Data: []byte(shopMore)}
	}
	return &app.App{Name: "shop", TenantMigrations: files}
}

// env is a database of the shop application with an exporter on it.
type env struct {
	*tenanttest.Env
	exporter *export.Exporter
	dir      string
}

// setup makes a database whose tenants have the shop application's first
// n migrations (1 or 2).
func setup(t *testing.T, n int, opts *tenanttest.Options) *env {
	t.Helper()
	o := tenanttest.Options{}
	if opts != nil {
		o = *opts
	}
	o.App = shopApp(n)
	e := tenanttest.Setup(t, &o)
	return &env{Env: e, exporter: newExporter(e, e.Sets.Tenant), dir: t.TempDir()}
}

// newExporter returns an exporter on e that knows tenant migrations set.
func newExporter(e *tenanttest.Env, set *migrate.Set) *export.Exporter {
	p := provision.New(e.Pool, &provision.Config{TenantMigrations: set})
	return export.New(e.Pool, &export.Config{TenantMigrations: set, SharedMigrations: e.Sets.Shared, Provisioner: p})
}

// tenantWithData provisions slug with an owner and fills it: products,
// invoices, events, a refresh token, an audit event, a join request and an
// email domain.
func (e *env) tenantWithData(t *testing.T, slug string) *tenantry.Tenant {
	t.Helper()
	ten := e.CreateTenant(t, slug)
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, e.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", ten.SchemaName+", public")
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO products (name) VALUES ('pen'), ('ink; with a semicolon'), (E'tab\there'), ('tenant_`+slug+`.x');
			INSERT INTO invoices (product_id, user_id, total, mood, memo)
				SELECT p.id, 1, p.id * 10, 'happy', repeat('x', 3000) FROM products p;
			INSERT INTO events (at, body) VALUES ('2024-05-01', '{"a": [1, 2]}'), ('2024-06-01', NULL);
			REFRESH MATERIALIZED VIEW invoice_totals`)
		if err != nil {
			return err
		}
		if _, err = auth.NewRefresh(ctx, tx, 1); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: ten.ID, Action: "test.filled", Target: "data"})
	})
	if err != nil {
		t.Fatalf("fill tenant %s: %v", slug, err)
	}
	_, err = e.Pool.Exec(ctx, `WITH d AS (INSERT INTO public.email_domains (domain, tenant_id) VALUES ($1, $2))
		INSERT INTO public.join_requests (tenant_id, email, password_hash) VALUES ($2, 'joe@' || $1, 'x')`,
		slug+"-mail.test", ten.ID)
	if err != nil {
		t.Fatalf("fill shared rows of %s: %v", slug, err)
	}
	return ten
}

// export writes ten to a new archive and returns its path.
func (e *env) export(t *testing.T, ten *tenantry.Tenant) string {
	t.Helper()
	path := filepath.Join(e.dir, ten.Slug+".tar.gz")
	if _, err := e.exporter.WriteFile(context.Background(), ten.Slug, path); err != nil {
		t.Fatalf("export %s: %v", ten.Slug, err)
	}
	return path
}
