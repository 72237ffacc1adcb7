package tenanthttp_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanthttp"
	"github.com/tenantry/tenantry/tenanttest"
)

// The middleware with a real registry: the Host picks the tenant, and the
// handler's queries run in that tenant's schema.
func ExampleMiddleware_registry() {
	env, done := tenanttest.NewExample(nil)
	defer done()
	ctx := context.Background()
	p := provision.New(env.Pool, &provision.Config{TenantMigrations: env.Sets.Tenant})
	for _, slug := range []string{"acme", "globex"} {
		_, err := p.Create(ctx, provision.Request{Slug: slug, Name: slug, Domain: slug + ".example.com",
			Admin: &provision.Admin{Username: slug + "-admin", Email: "admin@" + slug + ".example.com", Password: "a long secret"}})
		if err != nil {
			log.Fatal(err)
		}
	}

	reg := registry.New(env.Pool, nil)
	db := tenantdb.New(env.Pool, nil)
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, _ := tenanthttp.Tenant(r)
		err := db.InTenant(r.Context(), t, func(tx *tenantdb.Tx) error {
			var username string
			if err := tx.QueryRow(r.Context(), "SELECT username FROM users").Scan(&username); err != nil {
				return err
			}
			_, err := fmt.Fprintf(w, "%s: %s", t.Slug, username)
			return err
		})
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	})
	h := tenanthttp.Middleware(reg, nil)(app)

	for _, host := range []string{"acme.example.com", "GLOBEX.example.com:443", "unknown.example.com"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Body)
	}
	// Output:
	// 200 acme: acme-admin
	// 200 globex: globex-admin
	// 404 {"type":"about:blank","title":"Not Found","status":404,"detail":"no tenant serves this host"}
}
