package lms_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/console"
	"github.com/tenantry/tenantry/examples/lms/lms"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// consoleClient is a plain HTTP client of alpha.test's console that keeps
// its cookies.
type consoleClient struct {
	t       *testing.T
	srv     *httptest.Server
	cookies []*http.Cookie
}

func (c *consoleClient) do(method, path string, form url.Values) (int, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.srv.URL+path, body)
	req.Host = "alpha.test"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	c.cookies = append(c.cookies, res.Cookies()...)
	return res.StatusCode, string(b)
}

var tokenPattern = regexp.MustCompile(`name="(csrf|nonce)" value="([^"]*)"`)

// post sends form with the tokens of the page at from.
func (c *consoleClient) post(from, path string, form url.Values) (int, string) {
	_, page := c.do(http.MethodGet, from, nil)
	for _, m := range tokenPattern.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], m[2])
	}
	return c.do(http.MethodPost, path, form)
}

func TestLoansInTheConsole(t *testing.T) {
	env := tenanttest.Setup(t, &tenanttest.Options{App: lms.App()})
	alpha := env.CreateTenant(t, "alpha")
	policy, err := lms.App().Policy()
	if err != nil {
		t.Fatal(err)
	}
	con, err := console.New(&console.Config{Pool: env.Pool, DB: env.DB, Policy: policy, MemberRole: lms.RoleViewer,
		Sections: lms.App().Console})
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := auth.NewSigner([]byte(strings.Repeat("s", 32)))
	h, err := api.NewHandler(&api.Config{Pool: env.Pool, Resolver: env.Registry, DB: env.DB, Signer: signer,
		Policy: policy, Routes: []func(*api.Routes) error{lms.Register}, Console: con})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	var borrower string
	ctx := context.Background()
	if err := env.DB.InTenant(ctx, alpha, func(tx *tenantdb.Tx) error {
		if _, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: "vic", Email: "vic@alpha.test", Password: "vic-password", Role: lms.RoleViewer}); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "INSERT INTO borrowers (name) VALUES ('Ada <Lovelace>') RETURNING id::text").Scan(&borrower)
	}); err != nil {
		t.Fatal(err)
	}

	owner := &consoleClient{t: t, srv: srv}
	if st, body := owner.post("/admin/login/", "/admin/login/", url.Values{"username": {"owner"}, "password": {"owner-password"}}); st != http.StatusSeeOther {
		t.Fatalf("log in: %d %s", st, body)
	}
	st, body := owner.post("/admin/loans/new/", "/admin/loans/new/", url.Values{"borrower_id": {"999"}, "principal": {"150000"},
		"interest_rate_bps": {"1250"}, "term_months": {"12"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "There is no borrower 999.") {
		t.Fatalf("unknown borrower: %d %s", st, body)
	}
	st, body = owner.post("/admin/loans/new/", "/admin/loans/new/", url.Values{"borrower_id": {borrower}, "principal": {"150000"},
		"interest_rate_bps": {"1250"}, "term_months": {"12"}})
	if st != http.StatusSeeOther {
		t.Fatalf("create loan: %d %s", st, body)
	}
	st, body = owner.do(http.MethodGet, "/admin/loans/?q=lovelace", nil)
	if st != http.StatusOK || !strings.Contains(body, "Ada &lt;Lovelace&gt;") || !strings.Contains(body, "draft") {
		t.Fatalf("loans: %d %s", st, body)
	}

	viewer := &consoleClient{t: t, srv: srv}
	viewer.post("/admin/login/", "/admin/login/", url.Values{"username": {"vic"}, "password": {"vic-password"}})
	st, body = viewer.do(http.MethodGet, "/admin/loans/", nil)
	if st != http.StatusOK || strings.Contains(body, "New loan") || strings.Contains(body, `href="/admin/users/"`) {
		t.Fatalf("viewer's loans: %d %s", st, body)
	}
	if st, _ := viewer.do(http.MethodGet, "/admin/loans/new/", nil); st != http.StatusForbidden {
		t.Fatalf("viewer's new loan form: %d", st)
	}
}
