package auth_test

import (
	"slices"
	"testing"

	"github.com/tenantry/tenantry/auth"
)

var allPermissions = []auth.Permission{
	auth.DataRead, auth.DataWrite, auth.UsersRead, auth.UsersManage, auth.OwnersManage,
	auth.BillingRead, auth.AuditRead, auth.ProfileRead, auth.DomainsManage,
}

// TestDefaultPolicy pins the reference roles: viewers read, members write
// data, admins manage users, only owners manage owners, billing sees billing.
func TestDefaultPolicy(t *testing.T) {
	t.Parallel()
	want := map[string][]auth.Permission{
		auth.RoleOwner:   allPermissions,
		auth.RoleAdmin:   {auth.DataRead, auth.DataWrite, auth.UsersRead, auth.UsersManage, auth.AuditRead, auth.ProfileRead, auth.DomainsManage},
		auth.RoleMember:  {auth.DataRead, auth.DataWrite, auth.ProfileRead},
		auth.RoleViewer:  {auth.DataRead, auth.ProfileRead},
		auth.RoleBilling: {auth.BillingRead, auth.ProfileRead},
		"":               nil,
		"operator":       nil,
		"Owner":          nil,
	}
	for role, perms := range want {
		for _, p := range allPermissions {
			if got := auth.DefaultPolicy.Allows(role, p); got != slices.Contains(perms, p) {
				t.Errorf("%q %s: got %v, want %v", role, p, got, !got)
			}
		}
		if got := auth.DefaultPolicy.Has(role); got != (perms != nil) {
			t.Errorf("Has(%q) = %v", role, got)
		}
	}
	if got := auth.DefaultPolicy.Roles(); !slices.Equal(got, []string{"admin", "billing", "member", "owner", "viewer"}) {
		t.Errorf("Roles() = %v", got)
	}
}

func TestPolicyWithAddsARoleWithoutChangingTheOriginal(t *testing.T) {
	t.Parallel()
	perms := []auth.Permission{auth.DataRead, auth.AuditRead}
	p := auth.DefaultPolicy.With("auditor", perms...)
	perms[0] = auth.OwnersManage // the caller's slice is not kept

	if !p.Has("auditor") || auth.DefaultPolicy.Has("auditor") {
		t.Errorf("auditor declared in the new policy: %v, in the default one: %v", p.Has("auditor"), auth.DefaultPolicy.Has("auditor"))
	}
	for _, perm := range allPermissions {
		want := perm == auth.DataRead || perm == auth.AuditRead
		if got := p.Allows("auditor", perm); got != want {
			t.Errorf("auditor %s: got %v, want %v", perm, got, want)
		}
	}
	if !slices.Contains(p.Roles(), "auditor") || len(p.Roles()) != len(auth.DefaultPolicy.Roles())+1 {
		t.Errorf("Roles() = %v", p.Roles())
	}
	for _, role := range auth.DefaultPolicy.Roles() {
		for _, perm := range allPermissions {
			if p.Allows(role, perm) != auth.DefaultPolicy.Allows(role, perm) {
				t.Errorf("With changed %s %s", role, perm)
			}
		}
	}
}

func TestPolicyWithRedefinesARole(t *testing.T) {
	t.Parallel()
	p := auth.DefaultPolicy.With(auth.RoleViewer)
	if !p.Has(auth.RoleViewer) || p.Allows(auth.RoleViewer, auth.DataRead) {
		t.Errorf("a viewer redefined with nothing: declared %v, reads items %v", p.Has(auth.RoleViewer), p.Allows(auth.RoleViewer, auth.DataRead))
	}
	if !auth.DefaultPolicy.Allows(auth.RoleViewer, auth.DataRead) {
		t.Error("redefining a role changed DefaultPolicy")
	}
}
