package domains_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/domains"
)

func TestSubdomainOfTheBaseDomainIsVerifiedAtOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	d := f.add(t, "acme", "Shop.Acme.TEST.", false)
	if d.Name != "shop.acme.test" || d.Status != domains.StatusVerified || d.VerifiedBy != domains.ByBaseDomain || d.Token != "" {
		t.Fatalf("Add = %+v, want shop.acme.test verified by base-domain without a token", d)
	}
	if got := f.routesTo(t, "shop.acme.test"); got != "acme" {
		t.Errorf("shop.acme.test routes to %q, want acme", got)
	}
}

func TestCustomDomainRoutesOnlyOnceItsTXTRecordProvesControl(t *testing.T) {
	t.Parallel()
	f := setup(t)
	d := f.add(t, "acme", "shop.example", false)
	if d.Status != domains.StatusPending || len(d.Token) != 32 {
		t.Fatalf("Add = %+v, want pending with a 32-character token", d)
	}
	if got := f.routesTo(t, "shop.example"); got != "" {
		t.Fatalf("pending shop.example routes to %q, want nowhere", got)
	}
	got, err := f.svc.Verify(context.Background(), "acme", "shop.example")
	var ce *domains.CheckError
	if !errors.As(err, &ce) || !strings.Contains(ce.DNS, "no TXT record _tenantry.shop.example") {
		t.Fatalf("Verify without proof = %v, want a CheckError naming the missing TXT record", err)
	}
	if got.Status != domains.StatusPending || got.LastError == "" || got.CheckedAt == nil {
		t.Errorf("after a failed check the domain is %+v, want pending with the error recorded", got)
	}
	f.dns.SetTXT("_tenantry.shop.example", "unrelated", d.Token)
	got, err = f.svc.Verify(context.Background(), "acme", "shop.example")
	if err != nil || got.Status != domains.StatusVerified || got.VerifiedBy != domains.ByDNS || got.LastError != "" {
		t.Fatalf("Verify with the TXT record = %+v, %v; want verified by dns", got, err)
	}
	if got := f.routesTo(t, "shop.example"); got != "acme" {
		t.Errorf("verified shop.example routes to %q, want acme", got)
	}
}

func TestCustomDomainIsVerifiedByItsHTTPFile(t *testing.T) {
	t.Parallel()
	f := setup(t)
	d := f.add(t, "acme", "www.shop.example", true)
	f.dns.SetIP("www.shop.example", "127.0.0.1")
	f.web.HandleFunc("GET "+d.FilePath(), func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "www.shop.example" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(d.Token + "\n"))
	})
	got, err := f.svc.Verify(context.Background(), "acme", "www.shop.example")
	if err != nil || got.VerifiedBy != domains.ByHTTP || !got.Primary {
		t.Fatalf("Verify = %+v, %v; want verified by http and primary, as asked when added", got, err)
	}
	acme, err := f.env.Registry.Find(context.Background(), "acme")
	if err != nil || acme.PrimaryDomain() != "www.shop.example" {
		t.Errorf("acme's primary domain is %q (%v), want www.shop.example", acme.PrimaryDomain(), err)
	}
}

// Pointing a pending domain at a Tenantry server proves control: the
// server answers the domain's own file.
func TestDomainPointedAtTheServerIsVerified(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.add(t, "acme", "acme-corp.example", false)
	f.dns.SetIP("acme-corp.example", "127.0.0.1")
	f.web.Handle("/", f.svc.FileHandler(http.NotFoundHandler()))
	got, err := f.svc.Verify(context.Background(), "acme", "acme-corp.example")
	if err != nil || got.VerifiedBy != domains.ByHTTP {
		t.Fatalf("Verify = %+v, %v; want verified by http", got, err)
	}
}

func TestTokenOfAnotherDomainProvesNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.add(t, "acme", "a.example", false)
	f.add(t, "beta", "b.example", false)
	f.dns.SetTXT("_tenantry.b.example", a.Token)
	f.dns.SetIP("b.example", "127.0.0.1")
	f.web.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(a.Token)) })
	_, err := f.svc.Verify(context.Background(), "beta", "b.example")
	var ce *domains.CheckError
	if !errors.As(err, &ce) || !strings.Contains(ce.DNS, "token issued for another domain") ||
		!strings.Contains(ce.HTTP, "token issued for another domain") {
		t.Fatalf("Verify with a.example's token = %v, want refused twice: another domain's token", err)
	}
	// The file of a.example is not served on b.example's host.
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/.well-known/tenantry/"+a.Token, nil)
	req.Host = "b.example"
	w := httptest.NewRecorder()
	f.svc.FileHandler(http.NotFoundHandler()).ServeHTTP(w, req)
	if w.Code != http.StatusNotFound {
		t.Errorf("a.example's file on b.example's host = %d, want 404", w.Code)
	}
	if got := f.routesTo(t, "b.example"); got != "" {
		t.Errorf("b.example routes to %q, want nowhere", got)
	}
}

func TestPrimaryAndRemove(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	f.add(t, "acme", "shop.acme.test", false)
	f.add(t, "acme", "pending.example", false)
	if _, err := f.svc.SetPrimary(ctx, "acme", "pending.example"); !errors.Is(err, domains.ErrNotVerified) {
		t.Errorf("SetPrimary(pending) = %v, want ErrNotVerified", err)
	}
	if _, err := f.svc.SetPrimary(ctx, "acme", "beta.test"); !errors.Is(err, domains.ErrNotFound) {
		t.Errorf("SetPrimary(another tenant's domain) = %v, want ErrNotFound", err)
	}
	if d, err := f.svc.SetPrimary(ctx, "acme", "shop.acme.test"); err != nil || !d.Primary {
		t.Fatalf("SetPrimary = %+v, %v", d, err)
	}
	if err := f.svc.Remove(ctx, "acme", "shop.acme.test"); !errors.Is(err, domains.ErrPrimary) {
		t.Errorf("Remove(primary) = %v, want ErrPrimary", err)
	}
	if err := f.svc.Remove(ctx, "acme", "acme.test"); err != nil {
		t.Fatalf("Remove(acme.test) = %v", err)
	}
	if got := f.routesTo(t, "acme.test"); got != "" {
		t.Errorf("removed acme.test routes to %q", got)
	}
	list, err := f.svc.List(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range list {
		names = append(names, d.Name+":"+string(d.Status))
	}
	if strings.Join(names, " ") != "shop.acme.test:verified pending.example:pending" {
		t.Errorf("List = %v, want the primary first, then the pending one", names)
	}
	if err := f.svc.Remove(ctx, "beta", "pending.example"); !errors.Is(err, domains.ErrNotFound) {
		t.Errorf("beta removing acme's domain = %v, want ErrNotFound", err)
	}
}

func TestBadDomainsAreRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.add(t, "acme", "taken.example", false)
	cases := []struct {
		domain string
		want   string // in the message; "" for ErrDomainTaken
	}{
		{"", "must not be empty"},
		{"  ", "must not be empty"},
		{"192.0.2.1", "not an IP address"},
		{"192.0.2.1:80", "not an IP address"},
		{"[2001:db8::1]", "not an IP address"},
		{"2001:db8::1", "not an IP address"},
		{"*.example.com", "wildcard"},
		{"shop.*.example.com", "wildcard"},
		{"test", "base domain"},
		{"TEST.", "base domain"},
		{"www.test", "platform's own"},
		{"https://shop.example/", "bare domain name"},
		{"user@shop.example", "bare domain name"},
		{"shop.example:8080", "port"},
		{"shop..example", "empty label"},
		{"-shop.example", "not a valid domain"},
		{"xn--zz.example", "not a valid domain"},
		{"аcme.test", "plain ASCII under the base domain"}, // Cyrillic а: a look-alike of acme.test
		{"localhost", "at least one dot"},
		{strings.Repeat("a", 64) + ".example", "longer than 63"},
		{strings.Repeat("abcdefghi.", 26) + "example", "longer than"},
		{"shop_1.example", "not a valid domain"},
		{"taken.example", ""},
		{"TAKEN.example.", ""},
		{"beta.test", ""},
	}
	for _, c := range cases {
		_, err := f.svc.Add(context.Background(), "acme", c.domain, nil)
		if c.want == "" {
			if !errors.Is(err, tenantry.ErrDomainTaken) {
				t.Errorf("Add(%q) = %v, want ErrDomainTaken", c.domain, err)
			}
			continue
		}
		var ve *tenantry.ValidationError
		if !errors.As(err, &ve) || ve.Field != "domain" || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Add(%q) = %v, want a domain ValidationError saying %q", c.domain, err, c.want)
		}
	}
	list, err := f.svc.List(context.Background(), "acme")
	if err != nil || len(list) != 2 {
		t.Errorf("after refused adds acme has %d domains (%v), want 2", len(list), err)
	}
}

// A look-alike of another tenant's domain is stored in its ASCII form,
// which never equals the name it imitates.
func TestLookAlikeIsStoredAsPunycode(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.add(t, "acme", "acme.example", false)
	d := f.add(t, "beta", "аcme.example", false) // Cyrillic а
	if d.Name != "xn--cme-5cd.example" || d.Unicode != "аcme.example" || d.Status != domains.StatusPending {
		t.Errorf("look-alike stored as %+v, want xn--cme-5cd.example, pending", d)
	}
	u := f.add(t, "beta", "Bücher.Example", false)
	if u.Name != "xn--bcher-kva.example" || u.Unicode != "bücher.example" {
		t.Errorf("Bücher.Example stored as %q (%q), want xn--bcher-kva.example", u.Name, u.Unicode)
	}
	if _, err := f.svc.Add(context.Background(), "acme", "xn--bcher-kva.example", nil); !errors.Is(err, tenantry.ErrDomainTaken) {
		t.Errorf("the punycode form of a taken name = %v, want ErrDomainTaken", err)
	}
}

func TestDomainsOfUnknownOrDeletingTenantsAreRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	if _, err := f.svc.Add(ctx, "nobody", "x.example", nil); !errors.Is(err, tenantry.ErrTenantNotFound) {
		t.Errorf("Add to an unknown tenant = %v, want ErrTenantNotFound", err)
	}
	if _, err := f.env.Pool.Exec(ctx, "UPDATE public.tenants SET status = 'deleting' WHERE slug = 'beta'"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Add(ctx, "beta", "x.example", nil); !errors.Is(err, tenantry.ErrTenantDeleting) {
		t.Errorf("Add to a deleting tenant = %v, want ErrTenantDeleting", err)
	}
}
