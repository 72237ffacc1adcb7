package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
)

type maintenanceInput struct {
	Bearer
	Ref  string `path:"ref" maxLength:"253" doc:"the tenant's slug, schema name, id or one of its domains"`
	Body struct {
		On bool `json:"on" doc:"true: the tenant's hosts answer 503 with Retry-After; false: served again"`
	}
}

// registerLifecycle adds the platform's lifecycle operations beyond
// suspend and activate: terminate and maintenance.
func (s *server) registerLifecycle(api huma.API) {
	const tenant = "/api/platform/tenants/{ref}"
	huma.Register(api, huma.Operation{OperationID: "platform-terminate-tenant", Method: http.MethodPost,
		Path: tenant + "/terminate", Tags: []string{"platform"}, Security: secured, Errors: []int{401, 404, 409},
		Summary: "Terminate a tenant: its hosts answer 503, its data is kept until purge_after, then purged",
		Description: "The purge date is TENANTRY_PURGE_AFTER (default 30 days) from now; activating the tenant " +
			"cancels it. Terminating a terminated tenant changes nothing.",
	}, s.setStatus(tenantry.StatusTerminated))
	huma.Register(api, huma.Operation{OperationID: "platform-tenant-maintenance", Method: http.MethodPost,
		Path: tenant + "/maintenance", Tags: []string{"platform"}, Security: secured, Errors: []int{401, 404, 409, 422},
		Summary: "Put a tenant in maintenance (503 with Retry-After on its hosts) or take it out",
	}, s.setMaintenance)
}

func (s *server) setMaintenance(ctx context.Context, in *maintenanceInput) (*tenantOutput, error) {
	o, err := s.asOperator(ctx, in.Bearer)
	if err != nil {
		return nil, err
	}
	t, err := s.cfg.Registry.SetMaintenance(audit.WithActor(ctx, operatorActor(o)), in.Ref, in.Body.On)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	s.logPlatformOp(ctx, o, map[bool]string{true: "maintenance on", false: "maintenance off"}[in.Body.On], t)
	return &tenantOutput{Body: platformTenant(t)}, nil
}
