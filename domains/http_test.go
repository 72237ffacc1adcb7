package domains_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/tenantry/tenantry"
)

func ask(f *fixture, domain string) int {
	f.env.Registry.InvalidateAll()
	r := httptest.NewRequest(http.MethodGet, "/.well-known/tenantry/tls-ask?domain="+url.QueryEscape(domain), nil)
	w := httptest.NewRecorder()
	f.svc.TLSAskHandler(f.env.Registry).ServeHTTP(w, r)
	return w.Code
}

func TestTLSAskAnswersOnlyForVerifiedDomainsOfLiveTenants(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	f.add(t, "acme", "pending.example", false)
	f.add(t, "beta", "shop.beta.test", false)
	if _, err := f.env.Registry.SetStatus(ctx, "beta", tenantry.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	f.env.CreateTenant(t, "gone")
	if _, err := f.env.Registry.SetStatus(ctx, "gone", tenantry.StatusTerminated); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		domain string
		want   int
	}{
		{"acme.test", 200},
		{"ACME.test.", 200},
		{"test", 200},      // the base domain
		{"www.test", 200},  // a reserved (fallback) domain
		{"beta.test", 200}, // suspended: still answers, with 503, over TLS
		{"shop.beta.test", 200},
		{"gone.test", 404}, // terminated
		{"pending.example", 404},
		{"nobody.test", 404},
		{"127.0.0.1", 404},
		{"", 400},
		{"bad host!", 400},
		{"a..b", 400},
	}
	for _, c := range cases {
		if got := ask(f, c.domain); got != c.want {
			t.Errorf("tls-ask %q = %d, want %d", c.domain, got, c.want)
		}
	}
}
