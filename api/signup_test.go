package api_test

import (
	"context"
	"github.com/tenantry/tenantry/examples/items"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/mail"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/signup"
	"github.com/tenantry/tenantry/tenanttest"
	"github.com/tenantry/tenantry/tenanttest/smtptest"
)

// signupFixture is the server with signup on the base domain example.test,
// its jobs worked by a running River client, mail delivered over SMTP to a
// server the test started, and a spare pool of one.
type signupFixture struct {
	*apiFixture
	smtp        *smtptest.Server
	provisioner *provision.Provisioner
}

const signupBase = "example.test"

func newSignupFixture(t *testing.T) *signupFixture {
	t.Helper()
	return newSignupFixtureWith(t, signup.Limits{})
}

// newSignupFixtureWith is newSignupFixture with signup under limits.
func newSignupFixtureWith(t *testing.T, limits signup.Limits) *signupFixture {
	t.Helper()
	env := tenanttest.Setup(t, withItems)
	smtp := smtptest.Start(t)
	sender, err := mail.New(mail.Config{URL: smtp.URL, From: "Tenantry <no-reply@example.test>"})
	if err != nil {
		t.Fatal(err)
	}
	var j *jobs.Jobs
	prov := provision.New(env.Pool, &provision.Config{Spares: 1, TenantMigrations: env.Sets.Tenant, OwnerRole: items.App().Owner(),
		OnClaim: func(ctx context.Context, tx pgx.Tx, _ provision.Claim) error { return j.EnqueueRefill(ctx, tx) }})
	if _, err := prov.Refill(context.Background()); err != nil {
		t.Fatal(err)
	}
	j, err = jobs.New(jobs.Config{Pool: env.Pool, DB: env.DB, Mailer: sender, Refiller: prov,
		Seeds: []jobs.SeedFunc{items.SeedWelcomeItem}, RefillEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = j.Stop(ctx)
	})
	svc, err := signup.New(signup.Config{Pool: env.Pool, Provisioner: prov, Jobs: j, BaseURL: "http://" + signupBase, Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(&api.Config{Routes: itemRoutes, Pool: env.Pool, Resolver: env.Registry, DB: env.DB, Signer: signer,
		FallbackDomains: []string{signupBase}, Provisioner: prov, Registry: env.Registry, Signup: svc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &signupFixture{apiFixture: &apiFixture{env: env, srv: srv}, smtp: smtp, provisioner: prov}
}

var linkPattern = regexp.MustCompile(`http://example\.test/signup/verify\?token=[A-Za-z0-9_-]+`)

// signUp posts a signup and returns the token of the link that arrives by
// SMTP.
func (f *signupFixture) signUp(t *testing.T, email, company string) string {
	t.Helper()
	r := f.call(t, "POST", signupBase, "/api/signup/", "", map[string]string{
		"email": email, "password": "a long secret", "company": company})
	if r.Status != http.StatusAccepted {
		t.Fatalf("signup %s: %d %s", email, r.Status, r.Body)
	}
	msg := f.smtp.WaitFor(t, email, 20*time.Second, "/signup/verify?token=")
	link := linkPattern.FindString(msg.Text(t))
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("no verification link in:\n%s", msg.Text(t))
	}
	return u.Query().Get("token")
}

type verified struct {
	Outcome string
	Tenant  struct{ Slug, Name, Domain string }
	URL     string
	JoinID  int64 `json:"join_request_id"`
	Tokens  *struct{ Access, Refresh string }
}

func (f *signupFixture) verify(t *testing.T, token string, want int) verified {
	t.Helper()
	r := f.call(t, "POST", signupBase, "/api/signup/verify/", "", map[string]string{"token": token})
	if r.Status != want {
		t.Fatalf("verify: %d %s, want %d", r.Status, r.Body, want)
	}
	var v verified
	r.decode(t, &v)
	return v
}

// TestSignupEndToEnd walks a company from the signup form to its first
// authenticated request: the link comes over real SMTP, the tenant is made
// from the spare pool, the pool is refilled, the welcome mail arrives and
// the seed hook has run.
func TestSignupEndToEnd(t *testing.T) {
	f := newSignupFixture(t)
	ctx := context.Background()
	if r := f.call(t, "GET", signupBase, "/", "", nil); r.Status != 200 || !strings.Contains(r.Body, `<form id="signup">`) {
		t.Fatalf("signup page: %d %.200s", r.Status, r.Body)
	}
	var spareOID uint32
	if err := f.env.Pool.QueryRow(ctx, "SELECT oid FROM pg_namespace WHERE nspname LIKE '\\_tenantry\\_spare\\_%'").Scan(&spareOID); err != nil {
		t.Fatalf("the spare pool is empty: %v", err)
	}
	token := f.signUp(t, "ana@acme.com", "Café Zürich GmbH")
	if r := f.call(t, "GET", signupBase, "/signup/verify/?token="+token, "", nil); r.Status != 200 ||
		!strings.Contains(r.Body, "/api/signup/verify/") {
		t.Fatalf("verify page: %d %.200s", r.Status, r.Body)
	}
	v := f.verify(t, token, http.StatusOK)
	if v.Outcome != "created" || v.Tenant.Slug != "cafe_zurich_gmbh" || v.Tenant.Domain != "cafe-zurich-gmbh.example.test" ||
		v.URL != "http://cafe-zurich-gmbh.example.test/" || v.Tokens == nil {
		t.Fatalf("verify: %+v", v)
	}
	profile := f.call(t, "GET", v.Tenant.Domain, "/api/profile/", v.Tokens.Access, nil)
	if profile.Status != 200 || !strings.Contains(profile.Body, `"role":"owner"`) || !strings.Contains(profile.Body, `"email":"ana@acme.com"`) {
		t.Fatalf("first authenticated request: %d %s", profile.Status, profile.Body)
	}
	if again := f.verify(t, token, http.StatusOK); again.Tenant.Slug != v.Tenant.Slug || again.Tokens != nil || again.URL != v.URL {
		t.Errorf("a second click: %+v; want the same tenant and where to log in, without tokens", again)
	}
	if f.login(t, v.Tenant.Domain, "ana@acme.com", "a long secret") == "" {
		t.Error("the owner cannot log in with the signup's password")
	}
	welcome := f.smtp.WaitFor(t, "ana@acme.com", 20*time.Second, "Café Zürich GmbH", v.URL)
	if s := welcome.Subject(t); !strings.Contains(s, "Café Zürich GmbH") {
		t.Errorf("welcome subject %q", s)
	}
	waitFor(t, "the seed job's welcome item", func() bool {
		r := f.call(t, "GET", v.Tenant.Domain, "/api/items/", v.Tokens.Access, nil)
		return r.Status == 200 && strings.Contains(r.Body, items.WelcomeItemName)
	})
	// The tenant is the spare, renamed; the pool is refilled by the job
	// the claim queued.
	var state string
	var oid uint32
	if err := f.env.Pool.QueryRow(ctx, `SELECT s.kind, n.oid FROM public.tenantry_schema_state s
		JOIN pg_namespace n ON n.nspname = s.schema_name WHERE s.schema_name = 'tenant_cafe_zurich_gmbh'`).Scan(&state, &oid); err != nil ||
		state != "dynamic" || oid != spareOID {
		t.Errorf("schema state %q, oid %d (the spare's was %d), %v", state, oid, spareOID, err)
	}
	waitFor(t, "the spare pool's refill", func() bool {
		spares, err := f.provisioner.Spares(ctx)
		return err == nil && len(spares) == 1 && spares[0].Current
	})
}

func TestSignupJoinRequestsOverHTTP(t *testing.T) {
	f := newSignupFixture(t)
	owner := f.verify(t, f.signUp(t, "ana@acme.com", "Acme"), http.StatusOK)
	host, tok := owner.Tenant.Domain, owner.Tokens.Access

	bob := f.verify(t, f.signUp(t, "bob@acme.com", "Acme"), http.StatusAccepted)
	if bob.Outcome != "requested" || bob.Tokens != nil || bob.JoinID == 0 || bob.Tenant.Slug != "acme" {
		t.Fatalf("second signup of acme.com: %+v", bob)
	}
	f.smtp.WaitFor(t, "ana@acme.com", 20*time.Second, "bob@acme.com asks to join Acme")

	list := f.call(t, "GET", host, "/api/join-requests/?status=pending", tok, nil)
	if list.Status != 200 || !strings.Contains(list.Body, `"email":"bob@acme.com"`) {
		t.Fatalf("list: %d %s", list.Status, list.Body)
	}
	approve := "/api/join-requests/" + strconv.FormatInt(bob.JoinID, 10) + "/approve/"
	if r := f.call(t, "POST", host, approve, "", nil); r.Status != 401 {
		t.Errorf("approve without a token: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "POST", host, approve, tok, nil); r.Status != 200 || !strings.Contains(r.Body, `"status":"approved"`) {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "POST", host, approve, tok, nil); r.Status != 409 {
		t.Errorf("approve twice: %d %s", r.Status, r.Body)
	}
	bobToken := f.login(t, host, "bob@acme.com", "a long secret")
	if r := f.call(t, "GET", host, "/api/join-requests/", bobToken, nil); r.Status != 403 {
		t.Errorf("a member lists join requests: %d %s", r.Status, r.Body)
	}
	f.smtp.WaitFor(t, "bob@acme.com", 20*time.Second, "Acme")

	// Another tenant's owner cannot see or decide acme's requests.
	zed := f.verify(t, f.signUp(t, "zed@zeta.com", "Zeta"), http.StatusOK)
	carol := f.verify(t, f.signUp(t, "carol@acme.com", "Acme"), http.StatusAccepted)
	reject := "/api/join-requests/" + strconv.FormatInt(carol.JoinID, 10) + "/reject/"
	if r := f.call(t, "POST", zed.Tenant.Domain, reject, zed.Tokens.Access, nil); r.Status != 404 {
		t.Errorf("another tenant rejects acme's request: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "POST", host, reject, zed.Tokens.Access, nil); r.Status != 401 {
		t.Errorf("zeta's token on acme's host: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "POST", host, reject, tok, nil); r.Status != 200 || !strings.Contains(r.Body, `"status":"rejected"`) {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	f.smtp.WaitFor(t, "carol@acme.com", 20*time.Second, "declined")

	// Auto-join: the next colleague is a member at once.
	if r := f.call(t, "GET", host, "/api/email-domains/", tok, nil); r.Status != 200 || !strings.Contains(r.Body, `"domain":"acme.com","auto_join":false`) {
		t.Fatalf("email domains: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "PATCH", host, "/api/email-domains/acme.com/", tok, map[string]bool{"auto_join": true}); r.Status != 200 {
		t.Fatalf("turn auto-join on: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "PATCH", host, "/api/email-domains/zeta.com/", tok, map[string]bool{"auto_join": true}); r.Status != 404 {
		t.Errorf("auto-join on another tenant's domain: %d %s", r.Status, r.Body)
	}
	dan := f.verify(t, f.signUp(t, "dan@acme.com", "Acme"), http.StatusOK)
	if dan.Outcome != "joined" || dan.Tokens == nil {
		t.Fatalf("auto-join: %+v", dan)
	}
	if r := f.call(t, "GET", host, "/api/profile/", dan.Tokens.Access, nil); r.Status != 200 || !strings.Contains(r.Body, `"role":"member"`) {
		t.Errorf("auto-joined profile: %d %s", r.Status, r.Body)
	}
}

func TestSignupBadInputOverHTTP(t *testing.T) {
	f := newSignupFixture(t)
	used := f.signUp(t, "ana@acme.com", "Acme")
	acme := f.verify(t, used, http.StatusOK)
	expired := f.signUp(t, "old@beta.com", "Beta")
	if _, err := f.env.Pool.Exec(context.Background(), "UPDATE public.signups SET expires_at = now() WHERE email = 'old@beta.com'"); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 300)
	cases := []struct {
		name, host, path, body string
		status                 int
		says                   string
	}{
		{"malformed JSON", signupBase, "/api/signup/", `{"email": `, 400, "unexpected end of JSON"},
		{"unknown field", signupBase, "/api/signup/", `{"email":"a@b.co","password":"a long secret","company":"A","admin":true}`, 422, "unexpected property"},
		{"missing company", signupBase, "/api/signup/", `{"email":"a@b.co","password":"a long secret"}`, 422, "company"},
		{"invalid email", signupBase, "/api/signup/", `{"email":"nobody","password":"a long secret","company":"A"}`, 422, "an email address such as"},
		{"weak password", signupBase, "/api/signup/", `{"email":"a@b.co","password":"short","company":"A"}`, 422, "body.password"},
		{"password is the company", signupBase, "/api/signup/", `{"email":"a@b.co","password":"Company Name","company":"Company Name"}`, 422, "company name"},
		{"punctuation company", signupBase, "/api/signup/", `{"email":"a@b.co","password":"a long secret","company":"!?"}`, 422, "a name with a letter or digit"},
		{"300-character company", signupBase, "/api/signup/", `{"email":"a@b.co","password":"a long secret","company":"` + long + `"}`, 422, "expected length <= 200"},
		{"already registered", signupBase, "/api/signup/", `{"email":"ana@acme.com","password":"a long secret","company":"Acme"}`, 409, "already registered"},
		{"huge body", signupBase, "/api/signup/", `{"company":"` + strings.Repeat("x", 2<<20) + `"}`, 413, ""},
		{"forged token", signupBase, "/api/signup/verify/", `{"token":"` + strings.Repeat("A", 43) + `"}`, 400, "not valid"},
		{"garbage token", signupBase, "/api/signup/verify/", `{"token":"' OR 1=1 --"}`, 400, "not valid"},
		{"expired token", signupBase, "/api/signup/verify/", `{"token":"` + expired + `"}`, 410, "expired"},
		{"signup on a tenant host", acme.Tenant.Domain, "/api/signup/", `{"email":"a@b.co","password":"a long secret","company":"A"}`, 404, ""},
		{"verify on a tenant host", acme.Tenant.Domain, "/api/signup/verify/", `{"token":"` + used + `"}`, 404, ""},
		{"signup on an unknown host", "nobody.example.test", "/api/signup/", `{"email":"a@b.co","password":"a long secret","company":"A"}`, 404, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.call(t, "POST", c.host, c.path, "", c.body)
			if r.Status != c.status || !strings.Contains(r.Body, c.says) {
				t.Fatalf("%d %.300s, want %d saying %q", r.Status, r.Body, c.status, c.says)
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("content type %q", r.Header.Get("Content-Type"))
			}
		})
	}
	var tenants int
	if err := f.env.Pool.QueryRow(context.Background(), "SELECT count(*) FROM public.tenants").Scan(&tenants); err != nil || tenants != 1 {
		t.Errorf("%d tenants after the bad input, want acme only (%v)", tenants, err)
	}
}

// waitFor polls cond until it holds, failing t after 20 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
