package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/limits"
)

type topInput struct {
	Bearer
	Tenants    int `query:"tenants" minimum:"1" maximum:"1000" default:"10" doc:"how many tenants, heaviest first"`
	Statements int `query:"statements" minimum:"0" maximum:"100" default:"3" doc:"how many of each tenant's heaviest statements"`
}

type topOutput struct{ Body *limits.Report }

func (s *server) registerTop(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "platform-top", Method: http.MethodGet, Path: "/api/platform/top",
		Summary: "Per-tenant database statistics (pg_stat_statements by tenant role)",
		Description: "Each tenant's calls, total and mean execution time, rows and heaviest statements since the statistics " +
			"were last reset (since). Without pg_stat_statements, available is false and hint says how to enable it.",
		Tags: []string{"platform"}, Security: secured, Errors: []int{401, 404}}, s.top)
}

func (s *server) top(ctx context.Context, in *topInput) (*topOutput, error) {
	if _, err := s.asOperator(ctx, in.Bearer); err != nil {
		return nil, err
	}
	statements := in.Statements
	if statements == 0 {
		statements = -1 // none, as asked
	}
	r, err := limits.Top(ctx, s.cfg.Pool, limits.TopOptions{Tenants: in.Tenants, Statements: statements})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &topOutput{Body: r}, nil
}
