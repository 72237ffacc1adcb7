package console_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/console"
	"github.com/tenantry/tenantry/examples/items"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/mail"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/signup"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
	"github.com/tenantry/tenantry/tenanttest/smtptest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// baseDomain is the fixture's platform domain; tenants are alpha.test and
// beta.test.
const baseDomain = "example.test"

// fixture is the real server, console included, on a fresh database with
// tenants alpha and beta (owner "owner", password "owner-password") and an
// operator "op" (password "operator-password").
type fixture struct {
	env         *tenanttest.Env
	srv         *httptest.Server
	alpha, beta *tenantry.Tenant
	smtp        *smtptest.Server
	port        string // the server's, on 127.0.0.1
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := tenanttest.Setup(t, &tenanttest.Options{App: items.App()})
	f := &fixture{env: env, alpha: env.CreateTenant(t, "alpha"), beta: env.CreateTenant(t, "beta")}
	ctx := context.Background()
	if _, err := auth.CreateOperator(ctx, env.Pool, auth.NewOperator{Username: "op", Email: "op@example.test",
		Password: "operator-password"}); err != nil {
		t.Fatal(err)
	}
	var con *console.Console
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.port = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	svc := f.signupService(t)
	con, err = console.New(&console.Config{Pool: env.Pool, DB: env.DB, Sections: []console.Section{items.ConsoleSection()},
		Signup: svc, Registry: env.Registry, Provisioner: env.Provisioner, TenantMigrations: env.Sets.Tenant,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(&api.Config{Routes: []func(*api.Routes) error{items.Register}, Pool: env.Pool,
		Resolver: env.Registry, DB: env.DB, Signer: signer, Registry: env.Registry, Provisioner: env.Provisioner,
		Signup: svc, FallbackDomains: []string{baseDomain}, Console: con, Docs: console.APIDocs})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewUnstartedServer(h)
	f.srv.Listener.Close()
	f.srv.Listener = ln
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

// signupService is signup with real mail to the fixture's SMTP server,
// worked by job workers that run while the test does.
func (f *fixture) signupService(t *testing.T) *signup.Service {
	t.Helper()
	f.smtp = smtptest.Start(t)
	sender, err := mail.New(mail.Config{URL: f.smtp.URL, From: "Tenantry <no-reply@example.test>"})
	if err != nil {
		t.Fatal(err)
	}
	j, err := jobs.New(jobs.Config{Pool: f.env.Pool, DB: f.env.DB, Mailer: sender, Refiller: f.env.Provisioner, RefillEvery: time.Hour})
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
	svc, err := signup.New(signup.Config{Pool: f.env.Pool, Provisioner: f.env.Provisioner, Jobs: j,
		BaseURL: "http://" + baseDomain + ":" + f.port})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// in runs fn in a transaction of tenant ten.
func (f *fixture) in(t *testing.T, ten *tenantry.Tenant, fn func(ctx context.Context, tx *tenantdb.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := f.env.DB.InTenant(ctx, ten, func(tx *tenantdb.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// addUser adds a user of role to ten (password "<name>-password").
func (f *fixture) addUser(t *testing.T, ten *tenantry.Tenant, name, role string) *auth.User {
	t.Helper()
	var u *auth.User
	f.in(t, ten, func(ctx context.Context, tx *tenantdb.Tx) error {
		var err error
		u, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: name, Email: name + "@" + ten.Slug + ".test",
			Password: name + "-password", Role: role})
		return err
	})
	return u
}

// addJoinRequest records a pending request of email to join ten, as a
// verified signup from a domain ten claimed would.
func (f *fixture) addJoinRequest(t *testing.T, ten *tenantry.Tenant, email string) int64 {
	t.Helper()
	hash, err := auth.HashPassword("joiner-password")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	domain := email[strings.Index(email, "@")+1:]
	if _, err := f.env.Pool.Exec(ctx, `INSERT INTO public.email_domains (domain, tenant_id) VALUES ($1, $2)
		ON CONFLICT DO NOTHING`, domain, ten.ID); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := f.env.Pool.QueryRow(ctx, `INSERT INTO public.join_requests (tenant_id, email, password_hash)
		VALUES ($1, $2, $3) RETURNING id`, ten.ID, email, hash).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// browser is a plain HTTP client of one host, keeping its cookies as a
// browser would (host-bound).
type browser struct {
	t       *testing.T
	f       *fixture
	host    string
	cookies map[string]string
}

func (f *fixture) browser(t *testing.T, host string) *browser {
	return &browser{t: t, f: f, host: host, cookies: map[string]string{}}
}

// page is an answer, body read.
type page struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
}

// do sends a request and keeps the cookies it sets; redirects are not
// followed.
func (b *browser) do(method, path string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.f.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Host = b.host
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return page{Status: res.StatusCode, Header: res.Header, Body: string(raw), Location: res.Header.Get("Location")}
}

func (b *browser) get(path string) page { return b.do(http.MethodGet, path, nil) }

// post sends form with the CSRF token of the page at from.
func (b *browser) post(from, path string, form url.Values) page {
	b.t.Helper()
	p := b.get(from)
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" {
		form.Set("csrf", hidden(b.t, p.Body, "csrf"))
	}
	if strings.Contains(p.Body, `name="nonce"`) && form.Get("nonce") == "" {
		form.Set("nonce", hidden(b.t, p.Body, "nonce"))
	}
	return b.do(http.MethodPost, path, form)
}

// login logs in as username, failing the test otherwise.
func (b *browser) login(prefix, username, password string) {
	b.t.Helper()
	p := b.post(prefix+"login/", prefix+"login/", url.Values{"username": {username}, "password": {password}})
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("log in %s on %s: %d %s", username, b.host, p.Status, p.Body)
	}
}

var hiddenPattern = regexp.MustCompile(`name="(csrf|nonce)" value="([^"]*)"`)

// hidden returns the value of the hidden input name in body.
func hidden(t *testing.T, body, name string) string {
	t.Helper()
	for _, m := range hiddenPattern.FindAllStringSubmatch(body, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("no hidden %s in page:\n%s", name, body)
	return ""
}

// expect fails t unless p has status and holds every text.
func expect(t *testing.T, what string, p page, status int, texts ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d; body:\n%.2000s", what, p.Status, status, p.Body)
	}
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			t.Fatalf("%s: body lacks %q:\n%.3000s", what, s, p.Body)
		}
	}
}

// count returns the number of rows query finds in ten.
func (f *fixture) count(t *testing.T, ten *tenantry.Tenant, query string, args ...any) int {
	t.Helper()
	var n int
	f.in(t, ten, func(ctx context.Context, tx *tenantdb.Tx) error { return tx.QueryRow(ctx, query, args...).Scan(&n) })
	return n
}

var _ = pgx.ErrNoRows
var _ = provision.SparePrefix

type (
	ctxT = context.Context
	txT  = *tenantdb.Tx
)

// testWriter sends the console's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
