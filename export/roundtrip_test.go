package export_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/export"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// importAs imports the archive at path as slug, failing t on error.
func (e *env) importAs(t *testing.T, path, slug string, keep bool) *export.Imported {
	t.Helper()
	got, err := e.exporter.ImportFile(context.Background(), path, export.ImportRequest{Slug: slug, Domain: slug + ".test", KeepDomains: keep})
	if err != nil {
		t.Fatalf("import %s as %s: %v", path, slug, err)
	}
	return got
}

// The import of an export is the original again, under another name: the
// same catalog (tables, columns, indexes, constraints, sequences, triggers,
// functions, views, policies, grants, default privileges, role, ledger),
// the same rows in every table, as a superuser login or a plain one.
func TestRoundTripKeepsCatalogAndData(t *testing.T) {
	for _, login := range []struct {
		name string
		opts *tenanttest.Options
	}{{"superuser", nil}, {"non-superuser", &tenanttest.Options{NonSuperuser: true}}} {
		t.Run(login.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 2, login.opts)
			orig := e.tenantWithData(t, "acme")
			got := e.importAs(t, e.export(t, orig), "copy", false)
			cp := got.Tenant
			if cp.ID == orig.ID || cp.RoleName == orig.RoleName || cp.SchemaName != "tenant_copy" {
				t.Fatalf("the copy is not a new tenant: %+v", cp)
			}
			if got.From != got.To || got.To != e.Sets.Tenant.Latest() {
				t.Errorf("levels %d -> %d, want %d", got.From, got.To, e.Sets.Tenant.Latest())
			}
			want, have := catalogOf(t, e.Env, orig), catalogOf(t, e.Env, cp)
			if d := diffLines(want, have); d != "" {
				t.Errorf("the copy's catalog differs from the original's (- original, + copy):\n%s", d)
			}
			if len(want) < 100 {
				t.Errorf("the catalog dump has %d lines: the comparison is not looking at much", len(want))
			}
			for _, table := range []string{"users", "products", "invoices", "events", "invoice_totals", "tenantry_migrations"} {
				if a, b := rowsOf(t, e, orig, table), rowsOf(t, e, cp, table); !equal(a, b) || len(a) == 0 {
					t.Errorf("table %s: original has %d rows, copy %d, or they differ", table, len(a), len(b))
				}
			}
			if n := len(rowsOf(t, e, cp, "refresh_tokens")); n != 0 {
				t.Errorf("the copy kept %d refresh tokens of the original's sessions", n)
			}
			e.checkShared(t, orig, cp)
		})
	}
}

// rowsOf returns the rows of ten's table as JSON text, in order.
func rowsOf(t *testing.T, e *env, ten *tenantry.Tenant, table string) []string {
	t.Helper()
	rows, _ := e.Pool.Query(context.Background(), "SELECT to_jsonb(x)::text FROM "+
		pgx.Identifier{ten.SchemaName, table}.Sanitize()+" x ORDER BY 1")
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("read %s.%s: %v", ten.SchemaName, table, err)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkShared checks the copy's shared rows: its audit log and join
// requests came along, its domain is the one asked for, and it claims no
// email domain (the original keeps it).
func (e *env) checkShared(t *testing.T, orig, cp *tenantry.Tenant) {
	t.Helper()
	ctx := context.Background()
	var filled, joins, mails, exported int
	var domains []string
	err := e.Pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM public.audit_log WHERE tenant_id = $2 AND action = 'tenant.exported'),
		(SELECT count(*) FROM public.audit_log WHERE tenant_id = $1 AND action = 'test.filled'),
		(SELECT count(*) FROM public.join_requests WHERE tenant_id = $1),
		(SELECT count(*) FROM public.email_domains WHERE tenant_id = $1),
		(SELECT array_agg(domain) FROM public.domains WHERE tenant_id = $1)`, cp.ID, orig.ID).Scan(&exported, &filled, &joins, &mails, &domains)
	if err != nil {
		t.Fatal(err)
	}
	if exported != 1 {
		t.Errorf("the export was recorded %d times in the original's audit log, want once", exported)
	}
	if filled != 1 || joins != 1 || mails != 0 || len(domains) != 1 || domains[0] != "copy.test" {
		t.Errorf("copy's shared rows: audit %d, join requests %d, email domains %d, domains %v", filled, joins, mails, domains)
	}
}

// Users of the copy log in with their passwords; access tokens of the
// original tenant are refused on the copy, and the copy's on the original.
func TestCopyUsersLogInAndOriginalTokensAreRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, nil)
	orig := e.tenantWithData(t, "acme")
	cp := e.importAs(t, e.export(t, orig), "copy", false).Tenant
	ctx := context.Background()
	var user *auth.User
	err := e.DB.InTenant(ctx, cp, func(tx *tenantdb.Tx) error {
		var err error
		user, err = auth.Authenticate(ctx, tx, "owner", "owner-password", "test")
		return err
	})
	if err != nil {
		t.Fatalf("the owner cannot log in to the copy with their password: %v", err)
	}
	signer, err := auth.NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := signer.IssueForTenant(orig, user)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signer.VerifyForTenant(tok, cp); err == nil {
		t.Error("an access token of the original tenant is accepted on the copy")
	}
	tok, _, _ = signer.IssueForTenant(cp, user)
	if _, err := signer.VerifyForTenant(tok, orig); err == nil {
		t.Error("an access token of the copy is accepted on the original")
	}
}

// With KeepDomains, a tenant deleted after its export comes back with its
// domains and email domains.
func TestRestoreAfterDeleteKeepsDomains(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, nil)
	orig := e.tenantWithData(t, "acme")
	ctx := context.Background()
	if _, err := e.Pool.Exec(ctx, "INSERT INTO public.domains (domain, tenant_id) VALUES ('shop.acme.test', $1)", orig.ID); err != nil {
		t.Fatal(err)
	}
	path := e.export(t, orig)
	if _, err := e.Provisioner.Delete(ctx, orig.Slug); err != nil {
		t.Fatal(err)
	}
	got, err := e.exporter.ImportFile(ctx, path, export.ImportRequest{Slug: "acme", Domain: "acme.test", KeepDomains: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Tenant.Domains; len(d) != 2 || d[0] != "acme.test" || d[1] != "shop.acme.test" {
		t.Errorf("domains %v, want acme.test (primary) and shop.acme.test", d)
	}
	var mails int
	if err := e.Pool.QueryRow(ctx, "SELECT count(*) FROM public.email_domains WHERE tenant_id = $1", got.Tenant.ID).Scan(&mails); err != nil || mails != 1 {
		t.Errorf("email domains %d, %v; want 1", mails, err)
	}
}
