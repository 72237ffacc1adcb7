package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

// Profile is the logged-in user as they see themselves.
type Profile struct {
	ID           int64     `json:"id"`
	Username     string    `json:"username"`
	Email        string    `json:"email"`
	Role         string    `json:"role"`
	IsStaff      bool      `json:"is_staff" doc:"true when the role may manage the tenant's users (owners and admins)"`
	TenantSchema string    `json:"tenant_schema"`
	DateJoined   time.Time `json:"date_joined"`
}

type profileOutput struct{ Body Profile }

func (s *server) registerProfile(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "profile", Method: http.MethodGet, Path: "/api/profile", Tags: []string{"users"},
		Summary: "The logged-in user", Security: secured, Errors: []int{401, 404},
	}, func(ctx context.Context, in *struct{ Bearer }) (*profileOutput, error) {
		var out *profileOutput
		err := s.asUser(ctx, in.Bearer, auth.ProfileRead, func(tx *tenantdb.Tx, u *auth.User) error {
			out = &profileOutput{Body: Profile{ID: u.ID, Username: u.Username, Email: u.Email, Role: u.Role, IsStaff: s.cfg.Policy.Allows(u.Role, auth.UsersManage),
				TenantSchema: tx.Tenant.SchemaName, DateJoined: u.DateJoined}}
			return nil
		})
		return out, err
	})
}
