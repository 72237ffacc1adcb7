package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry"
)

// TenantInfo is what anyone reaching a tenant's host may know of it.
type TenantInfo struct {
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	Schema   string `json:"schema"`
	Locale   string `json:"locale"`
	Timezone string `json:"timezone"`
	Currency string `json:"currency"`
	Domain   string `json:"domain" doc:"the tenant's primary domain"`
}

type tenantInfoOutput struct{ Body TenantInfo }

func (s *server) registerTenantInfo(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "tenant-info", Method: http.MethodGet, Path: "/api/tenant", Tags: []string{"tenant"},
		Summary:  "The public information of the tenant that serves this host",
		Security: anonymous, Errors: []int{404, 503},
	}, func(ctx context.Context, _ *struct{}) (*tenantInfoOutput, error) {
		t, err := tenantry.Require(ctx)
		if err != nil {
			return nil, huma.Error404NotFound("no tenant serves this host")
		}
		info := TenantInfo{Name: t.Name, Slug: t.Slug, Schema: t.SchemaName, Locale: t.Locale,
			Timezone: t.Timezone, Currency: t.DefaultCurrency}
		if len(t.Domains) > 0 {
			info.Domain = t.Domains[0]
		}
		return &tenantInfoOutput{Body: info}, nil
	})
}
