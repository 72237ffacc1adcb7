package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

func TestOperatorCreatesSuspendsActivatesAndDeletesATenant(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.browser(t, baseDomain)
	expect(t, "before login", b.get("/admin/tenants/"), http.StatusSeeOther)
	b.login("/admin/", "op", "operator-password")
	expect(t, "overview", b.get("/admin/"), http.StatusOK, "Tenants created per day", "<svg", "<rect", "<strong>2</strong> tenants")
	p := b.post("/admin/tenants/new/", "/admin/tenants/new/", url.Values{"slug": {"gamma"}, "name": {"Gamma"},
		"domain": {"gamma.test"}, "admin_username": {"gina"}, "admin_email": {"gina@gamma.test"}, "admin_password": {"gina-password"}})
	expect(t, "create", p, http.StatusSeeOther)
	expect(t, "detail", b.get(p.Location), http.StatusOK, "The tenant was created.", "gamma.test", "1 (1 active)")
	f.browser(t, "gamma.test").login("/admin/", "gina", "gina-password")

	p = b.post("/admin/tenants/gamma/", "/admin/tenants/gamma/suspend/", nil)
	expect(t, "suspend", p, http.StatusSeeOther)
	expect(t, "suspended host", f.browser(t, "gamma.test").get("/admin/login/"), http.StatusServiceUnavailable)
	p = b.post("/admin/tenants/gamma/", "/admin/tenants/gamma/activate/", nil)
	expect(t, "activate", p, http.StatusSeeOther)
	expect(t, "active again", f.browser(t, "gamma.test").get("/admin/login/"), http.StatusOK)

	p = b.post("/admin/tenants/gamma/delete/", "/admin/tenants/gamma/delete/", url.Values{"confirm": {"gamm"}})
	expect(t, "delete mistyped", p, http.StatusUnprocessableEntity, "exactly")
	p = b.post("/admin/tenants/gamma/delete/", "/admin/tenants/gamma/delete/", url.Values{"confirm": {"gamma"}})
	expect(t, "delete", p, http.StatusSeeOther)
	expect(t, "deleted host", f.browser(t, "gamma.test").get("/admin/login/"), http.StatusNotFound)
	expect(t, "audit", b.get("/admin/audit/?tenant=gamma"), http.StatusNotFound)
	expect(t, "platform audit", b.get("/admin/audit/"), http.StatusOK, "tenant.deleted", "tenant.suspended", "op")
}

func TestTenantCreateRefusalsShowBesideTheField(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.browser(t, baseDomain)
	b.login("/admin/", "op", "operator-password")
	cases := []struct {
		form  url.Values
		field string
	}{
		{url.Values{"slug": {"Bad Slug"}, "name": {"x"}, "domain": {"x.test"}}, "e-slug"},
		{url.Values{"slug": {"alpha"}, "name": {"x"}, "domain": {"x.test"}}, "e-slug"},
		{url.Values{"slug": {"delta"}, "name": {"x"}, "domain": {"alpha.test"}}, "e-domain"},
		{url.Values{"slug": {"delta"}, "name": {"x"}, "domain": {"delta.test"}, "admin_username": {"d"}, "admin_email": {"d@delta.test"},
			"admin_password": {"short"}}, "e-admin_password"},
	}
	for _, c := range cases {
		p := b.post("/admin/tenants/new/", "/admin/tenants/new/", c.form)
		expect(t, fmt.Sprint(c.form), p, http.StatusUnprocessableEntity, `id="`+c.field+`"`)
	}
}

func TestTenantListFiltersAndPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// 45 more tenants, registry rows only: the list reads the registry.
	if _, err := f.env.Pool.Exec(ctx, `INSERT INTO public.tenants (slug, schema_name, name, status, plan)
		SELECT 'bulk' || lpad(i::text, 3, '0'), 'tenant_bulk' || lpad(i::text, 3, '0'), 'Bulk ' || i,
			CASE WHEN i % 3 = 0 THEN 'suspended' ELSE 'active' END, CASE WHEN i % 2 = 0 THEN 'pro' ELSE 'free' END
		FROM generate_series(1, 45) i`); err != nil {
		t.Fatal(err)
	}
	b := f.browser(t, baseDomain)
	b.login("/admin/", "op", "operator-password")
	p := b.get("/admin/tenants/")
	expect(t, "first page", p, http.StatusOK, "47 tenants match", "alpha", "Next page")
	p = b.get("/admin/tenants/?status=suspended&plan=pro")
	expect(t, "filtered", p, http.StatusOK, "7 tenants match", "bulk006")
	if contains(p.Body, "bulk003") {
		t.Fatal("bulk003 (free) shown under plan pro")
	}
	p = b.get("/admin/tenants/?after=bulk020")
	expect(t, "after", p, http.StatusOK, "bulk021", "First page")
	if contains(p.Body, "bulk020<") {
		t.Fatal("the page after bulk020 shows it")
	}
	expect(t, "search", b.get("/admin/tenants/?q=alpha.te"), http.StatusOK, "1 tenants match")
	expect(t, "bad status", b.get("/admin/tenants/?status=%3Cscript%3E"), http.StatusBadRequest, "Status must be")
}

func TestFleetShowsFailedSchemasWithTheirError(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.env.Pool.Exec(context.Background(), `UPDATE public.tenantry_schema_state
		SET last_error = 'relation "x" <does not> exist', error_version = version + 1 WHERE schema_name = 'tenant_beta'`); err != nil {
		t.Fatal(err)
	}
	b := f.browser(t, baseDomain)
	b.login("/admin/", "op", "operator-password")
	expect(t, "fleet", b.get("/admin/fleet/"), http.StatusOK, "tenant_beta", "relation &#34;x&#34; &lt;does not&gt; exist")
	expect(t, "spares", b.get("/admin/spares/"), http.StatusOK, "Spare pool")
}

func TestSessionsStayOnTheirHost(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.browser(t, "alpha.test")
	a.login("/admin/", "owner", "owner-password")
	op := f.browser(t, baseDomain)
	op.login("/admin/", "op", "operator-password")
	for _, host := range []string{"beta.test", baseDomain} {
		b := f.browser(t, host)
		b.cookies = a.cookies
		b.cookies["tenantry_operator"] = a.cookies["tenantry_console"]
		expect(t, "alpha's cookie on "+host, b.get("/admin/"), http.StatusSeeOther)
	}
	b := f.browser(t, "alpha.test")
	b.cookies["tenantry_console"] = op.cookies["tenantry_operator"]
	expect(t, "operator's cookie on alpha", b.get("/admin/"), http.StatusSeeOther)
}
