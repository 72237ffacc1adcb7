package signup_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/signup"
)

// TestJoiningAFullTenantIsRefusedNamingTheLimit: an approval and an
// auto-join past the plan's max_users fail with the quota error and add no
// one; the request stays pending and the link keeps working, for when a
// seat is free.
func TestJoiningAFullTenantIsRefusedNamingTheLimit(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	first := f.verify(t, f.start(t, "ana@acme.com", "Acme"))
	if _, err := limits.SavePlan(ctx, f.env.Pool, limits.Plan{Name: "solo", MaxUsers: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := limits.AssignPlan(ctx, f.env.Pool, first.Tenant.Slug, "solo"); err != nil {
		t.Fatal(err)
	}
	bob := f.verify(t, f.start(t, "bob@acme.com", "Acme"))
	_, err := f.svc.Decide(ctx, first.Tenant, bob.JoinRequestID, first.UserID, true)
	var qe *limits.QuotaError
	if !errors.As(err, &qe) || qe.Limit != "max_users" || qe.Max != 1 {
		t.Fatalf("approval past max_users: %v", err)
	}
	if list, _ := f.svc.JoinRequests(ctx, first.Tenant, "pending"); len(list) != 1 {
		t.Errorf("the refused request is no longer pending: %+v", list)
	}
	if _, err := f.svc.SetAutoJoin(ctx, first.Tenant, "acme.com", true); err != nil {
		t.Fatal(err)
	}
	token := f.start(t, "carol@acme.com", "Acme")
	if _, err := f.svc.Verify(ctx, token); !errors.As(err, &qe) {
		t.Fatalf("auto-join past max_users: %v", err)
	}
	if n := f.count(t, "SELECT count(*) FROM tenant_acme.users"); n != 1 {
		t.Errorf("%d users, want the owner alone", n)
	}
	if _, err := limits.SavePlan(ctx, f.env.Pool, limits.Plan{Name: "solo", MaxUsers: 2}); err != nil {
		t.Fatal(err)
	}
	if res, err := f.svc.Verify(ctx, token); err != nil || res.Outcome != signup.Joined {
		t.Errorf("the same link once a seat is free: %+v, %v", res, err)
	}
}
