package api

import (
	"fmt"
	"net/http"
	"slices"
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
func (s *server) newREST(mux *http.ServeMux) (huma.API, error) {
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
	s.registerTokens(api)
	parts := []struct {
		part     Part
		register func(huma.API)
	}{
		{PartTenantInfo, s.registerTenantInfo}, {PartProfile, s.registerProfile}, {PartUsers, s.registerUsers},
		{PartPlatform, s.registerPlatform}, {PartSignup, s.registerSignup},
		{PartJoinRequests, s.registerJoinRequests}, {PartAudit, s.registerAudit},
		{PartDomains, s.registerDomains},
		{PartExport, s.registerExport},
	}
	for _, p := range parts {
		if s.serves(p.part) {
			p.register(api)
		}
	}
	if err := s.mountRoutes(api); err != nil {
		return nil, err
	}
	s.describe(api)
	return api, nil
}

// serves reports whether the built-in part p is served (not left out).
func (s *server) serves(p Part) bool { return !slices.Contains(s.cfg.Without, p) }

// mountRoutes calls the application's route hooks, after the built-in
// operations, whose paths they may not shadow.
func (s *server) mountRoutes(api huma.API) error {
	r := &Routes{s: s, api: api, mux: s.appMux}
	for path := range api.OpenAPI().Paths {
		segs := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 3)
		if len(segs) >= 2 {
			r.reserved = append(r.reserved, "/"+segs[0]+"/"+segs[1])
		}
	}
	for _, hook := range s.cfg.Routes {
		if err := hook(r); err != nil {
			r.errs = append(r.errs, err)
		}
	}
	if err := r.err(); err != nil {
		return fmt.Errorf("application routes: %w", err)
	}
	return nil
}

// trimSlash serves /api/items/ as /api/items: operations are registered
// without the trailing slash, and both spellings work.
func trimSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			// A shallow copy with its own URL, as http.StripPrefix makes:
			// nothing else of the request changes.
			r2 := new(http.Request)
			*r2 = *r
			u := *r.URL
			u.Path, u.RawPath = strings.TrimRight(p, "/"), ""
			r2.URL = &u
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
