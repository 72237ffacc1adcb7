package api_test

import (
	"testing"

	"github.com/tenantry/tenantry/auth"
)

func TestProfileSaysWhetherTheUserIsStaff(t *testing.T) {
	f := newAPIFixture(t)
	for role, want := range map[string]bool{auth.RoleOwner: true, auth.RoleAdmin: true, auth.RoleMember: false, auth.RoleViewer: false} {
		r := f.call(t, "GET", "alpha.test", "/api/profile/", f.tokens[role], nil)
		var p struct {
			Role    string `json:"role"`
			IsStaff *bool  `json:"is_staff"`
		}
		r.decode(t, &p)
		if r.Status != 200 || p.Role != role || p.IsStaff == nil || *p.IsStaff != want {
			t.Errorf("%s: profile %d %s, want is_staff %v", role, r.Status, r.Body, want)
		}
	}
}
