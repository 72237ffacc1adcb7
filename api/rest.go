package api

import (
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// Version is the API's version in the OpenAPI document.
const Version = "1.0.0"

// OpenAPIPath is where the OpenAPI 3.1 document is served, on every host.
const OpenAPIPath = "/api/openapi.json"

// newREST builds the huma API on mux: the operations' handlers, their
// validation from the Go types, problem+json errors and the OpenAPI
// document generated from the same types.
func (s *server) newREST(mux *http.ServeMux) huma.API {
	cfg := huma.DefaultConfig("Tenantry API", Version)
	cfg.OpenAPIPath = strings.TrimSuffix(OpenAPIPath, ".json")
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil // no $schema links in bodies
	cfg.Info.Description = "Each tenant's API is served on the tenant's own host; the platform API on the base domain. " +
		"Paths work with and without a trailing slash."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
	}
	api := humago.New(mux, cfg)
	s.registerTenantInfo(api)
	s.registerTokens(api)
	s.registerProfile(api)
	s.registerItems(api)
	s.registerUsers(api)
	s.registerPlatform(api)
	s.registerSignup(api)
	s.registerJoinRequests(api)
	s.registerAudit(api)
	s.describe(api)
	return api
}

// trimSlash serves /api/items/ as /api/items: operations are registered
// without the trailing slash, and both spellings work.
func trimSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.TrimRight(p, "/")
			r2.URL.RawPath = ""
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

// secured marks an operation as needing a bearer token in the document;
// anonymous marks one open to anyone (security: [], said explicitly).
var (
	secured   = []map[string][]string{{"bearer": {}}}
	anonymous = []map[string][]string{}
)
