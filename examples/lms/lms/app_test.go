package lms_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/examples/lms/lms"
	"github.com/tenantry/tenantry/tenantdb"
)

func TestAppIsValid(t *testing.T) {
	a := lms.App()
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sets(nil); err != nil {
		t.Fatalf("migration sets: %v", err)
	}
	policy, err := a.Policy()
	if err != nil {
		t.Fatal(err)
	}
	if got := policy.Roles(); len(got) != 5 || policy.Has(auth.RoleOwner) || policy.Has(auth.RoleMember) {
		t.Errorf("roles %v: want the five LMS roles alone", got)
	}
	if a.Owner() != lms.RoleSuperadmin || a.Member() != lms.RoleViewer {
		t.Errorf("owner %q, member %q", a.Owner(), a.Member())
	}
}

func TestProvisionedTenantHasTheTablesAndASuperadmin(t *testing.T) {
	f := setup(t, "")
	f.in(t, f.alpha, func(ctx context.Context, tx *tenantdb.Tx) error {
		for _, table := range []string{"borrowers", "loans", "payments"} {
			var schema string
			err := tx.QueryRow(ctx, "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)", table).Scan(&schema)
			if err != nil || schema != f.alpha.SchemaName {
				t.Errorf("table %s: in schema %q (%v), want %s", table, schema, err, f.alpha.SchemaName)
			}
		}
		var role string
		if err := tx.QueryRow(ctx, "SELECT role FROM users WHERE username = 'owner'").Scan(&role); err != nil {
			return err
		}
		if role != lms.RoleSuperadmin {
			t.Errorf("the first user's role is %q, want %s", role, lms.RoleSuperadmin)
		}
		return nil
	})
	var me struct{ Role string }
	f.must(t, http.StatusOK, lms.RoleSuperadmin, "GET", "/api/profile/", nil, &me)
	if me.Role != lms.RoleSuperadmin {
		t.Errorf("profile role %q", me.Role)
	}
}

func TestSeedAndDemoFillATenant(t *testing.T) {
	f := setup(t, "")
	f.in(t, f.alpha, func(ctx context.Context, tx *tenantdb.Tx) error {
		for range 2 { // the seed may run twice
			if err := lms.SeedExampleBorrower(ctx, tx, f.alpha); err != nil {
				return err
			}
		}
		return lms.Demo(ctx, tx, f.alpha)
	})
	var borrowers struct{ Count int64 }
	f.must(t, http.StatusOK, lms.RoleViewer, "GET", "/api/borrowers/", nil, &borrowers)
	if borrowers.Count != 5 {
		t.Errorf("%d borrowers after seed and demo, want 5 (one example, four demo)", borrowers.Count)
	}
	for _, st := range []lms.Status{lms.StatusDraft, lms.StatusApproved, lms.StatusDisbursed, lms.StatusClosed} {
		var page struct {
			Count   int64
			Results []lms.Loan
		}
		f.must(t, http.StatusOK, lms.RoleViewer, "GET", "/api/loans/?status="+string(st), nil, &page)
		if page.Count != 1 || page.Results[0].Status != st {
			t.Errorf("status %s: %d loans %+v, want one demo loan", st, page.Count, page.Results)
		}
	}
}
