package tenanthttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenanthttp"
)

// hosts is a fixed Resolver for the example; an application passes a
// *registry.Registry.
type hosts map[string]*tenantry.Tenant

func (h hosts) Lookup(_ context.Context, host string) (*tenantry.Tenant, error) {
	if t, ok := h[host]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("host %s: %w", host, tenantry.ErrTenantNotFound)
}

func ExampleMiddleware() {
	res := hosts{
		"acme.example.com":   {Slug: "acme", Status: tenantry.StatusActive},
		"globex.example.com": {Slug: "globex", Status: tenantry.StatusSuspended},
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, _ := tenanthttp.Tenant(r)
		fmt.Fprintf(w, "hello, %s", t.Slug)
	})
	h := tenanthttp.Middleware(res, nil)(app)

	for _, host := range []string{"ACME.example.com:8000", "globex.example.com", "other.example.com"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Body)
	}
	// Output:
	// 200 hello, acme
	// 503 {"type":"about:blank","title":"Service Unavailable","status":503,"detail":"this tenant is suspended"}
	// 404 {"type":"about:blank","title":"Not Found","status":404,"detail":"no tenant serves this host"}
}
