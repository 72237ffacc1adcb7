package domains_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/tenantry/tenantry/domains"
	"github.com/tenantry/tenantry/tenanttest"
	"github.com/tenantry/tenantry/tenanttest/dnstest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// fixture is a database with tenants acme and beta (acme.test, beta.test),
// a DNS server and an HTTP server on loopback, and a Service whose base
// domain is test, resolving through that DNS server and checking HTTP on
// that server's port.
type fixture struct {
	env  *tenanttest.Env
	dns  *dnstest.Server
	web  *http.ServeMux // the HTTP server's routes; tests add files
	svc  *domains.Service
	port int
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{env: tenanttest.Setup(t, nil), dns: dnstest.Start(t), web: http.NewServeMux()}
	f.env.CreateTenant(t, "acme")
	f.env.CreateTenant(t, "beta")
	srv := httptest.NewServer(f.web)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if f.port, err = strconv.Atoi(u.Port()); err != nil {
		t.Fatal(err)
	}
	f.svc = f.service(t, nil)
	return f
}

// service returns a Service on f's database, DNS and HTTP servers, with
// jobs queued through ins when it is not nil.
func (f *fixture) service(t *testing.T, ins domains.Inserter) *domains.Service {
	t.Helper()
	svc, err := domains.New(f.env.Pool, &domains.Config{BaseDomain: "test", Resolver: f.dns.Addr,
		HTTPPort: f.port, AllowPrivateAddresses: true, Jobs: ins})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (f *fixture) add(t *testing.T, tenant, domain string, primary bool) *domains.Domain {
	t.Helper()
	d, err := f.svc.Add(context.Background(), tenant, domain, &domains.AddOptions{Primary: primary})
	if err != nil {
		t.Fatalf("Add(%s, %s): %v", tenant, domain, err)
	}
	return d
}

// routesTo reports which tenant slug host routes to, "" for none, through
// a registry without a cache's past.
func (f *fixture) routesTo(t *testing.T, host string) string {
	t.Helper()
	f.env.Registry.InvalidateAll()
	got, err := f.env.Registry.Lookup(context.Background(), host)
	if err != nil {
		return ""
	}
	return got.Slug
}
