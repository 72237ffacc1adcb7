package lms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/examples/lms/lms"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// roles are the application's roles; alpha has a user of each, named after
// it (password "<role>-password"), its superadmin being the tenant's first
// user "owner".
var roles = []string{lms.RoleSuperadmin, lms.RoleAdmin, lms.RoleLoanOfficer, lms.RoleCollector, lms.RoleViewer}

// fixture is the API with the LMS routes and roles on a fresh database
// with tenants alpha.test and beta.test.
type fixture struct {
	env         *tenanttest.Env
	srv         *httptest.Server
	alpha, beta *tenantry.Tenant
	tokens      map[string]string // alpha's access tokens by role
	betaOwner   string            // beta's superadmin's access token
}

// setup starts the fixture; features, when not empty, are alpha's
// (tenantry.Tenant.Features) before any request.
func setup(t *testing.T, features string) *fixture {
	t.Helper()
	env := tenanttest.Setup(t, &tenanttest.Options{App: lms.App()})
	f := &fixture{env: env, alpha: env.CreateTenant(t, "alpha"), beta: env.CreateTenant(t, "beta"), tokens: map[string]string{}}
	if features != "" {
		if _, err := env.Pool.Exec(context.Background(), "UPDATE public.tenants SET features = $1 WHERE id = $2", features, f.alpha.ID); err != nil {
			t.Fatal(err)
		}
		f.alpha.Features = json.RawMessage(features)
	}
	policy, err := lms.App().Policy()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(&api.Config{Pool: env.Pool, Resolver: env.Registry, DB: env.DB, Signer: signer,
		Policy: policy, Routes: []func(*api.Routes) error{lms.Register}})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	f.in(t, f.alpha, func(ctx context.Context, tx *tenantdb.Tx) error {
		for _, role := range roles[1:] {
			if _, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: role, Email: role + "@alpha.test",
				Password: role + "-password", Role: role}); err != nil {
				return err
			}
		}
		return nil
	})
	f.logInAll(t)
	return f
}

// logInAll logs alpha's users and beta's owner in.
func (f *fixture) logInAll(t *testing.T) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, role := range roles {
		wg.Go(func() {
			user, password := role, role+"-password"
			if role == lms.RoleSuperadmin {
				user, password = "owner", "owner-password"
			}
			tok := f.login(t, "alpha.test", user, password)
			mu.Lock()
			f.tokens[role] = tok
			mu.Unlock()
		})
	}
	wg.Wait()
	f.betaOwner = f.login(t, "beta.test", "owner", "owner-password")
}

// in runs fn in a transaction of tenant ten.
func (f *fixture) in(t *testing.T, ten *tenantry.Tenant, fn func(ctx context.Context, tx *tenantdb.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := f.env.DB.InTenant(ctx, ten, func(tx *tenantdb.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// login returns an access token from POST /api/token/ (safe from any
// goroutine).
func (f *fixture) login(t *testing.T, host, username, password string) string {
	r := f.call(t, "POST", host, "/api/token/", "", map[string]string{"username": username, "password": password})
	var pair struct{ Access string }
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &pair) != nil || pair.Access == "" {
		t.Errorf("log in %s on %s: %d %s", username, host, r.Status, r.Body)
	}
	return pair.Access
}

// response is a request's answer, body read.
type response struct {
	Status int
	Body   string
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %d %s: %v", r.Status, r.Body, err)
	}
}

// call sends a request to host as token (none when empty); body is sent
// as is when a string, as JSON otherwise, none when nil.
func (f *fixture) call(t *testing.T, method, host, path, token string, body any) response {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Errorf("marshal %v: %v", b, err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return response{}
	}
	req.Host = host
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return response{}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("%s %s: read body: %v", method, path, err)
	}
	return response{Status: resp.StatusCode, Body: string(b)}
}

// as calls alpha as role.
func (f *fixture) as(t *testing.T, role, method, path string, body any) response {
	return f.call(t, method, "alpha.test", path, f.tokens[role], body)
}

// must calls alpha as role and fails t unless the answer is want,
// decoding the body into out when it is not nil.
func (f *fixture) must(t *testing.T, want int, role, method, path string, body, out any) {
	t.Helper()
	r := f.as(t, role, method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s as %s: %d %s, want %d", method, path, role, r.Status, r.Body, want)
	}
	if out != nil {
		r.decode(t, out)
	}
}

// borrower adds a borrower to alpha as its superadmin.
func (f *fixture) borrower(t *testing.T, name string) lms.Borrower {
	t.Helper()
	var b lms.Borrower
	f.must(t, http.StatusCreated, lms.RoleSuperadmin, "POST", "/api/borrowers/", map[string]any{"name": name}, &b)
	return b
}

// loan makes a loan in alpha as its superadmin and moves it through
// statuses.
func (f *fixture) loan(t *testing.T, fields map[string]any, statuses ...lms.Status) lms.Loan {
	t.Helper()
	var l lms.Loan
	f.must(t, http.StatusCreated, lms.RoleSuperadmin, "POST", "/api/loans/", fields, &l)
	for _, st := range statuses {
		f.must(t, http.StatusOK, lms.RoleSuperadmin, "PATCH", loanPath(l.ID), map[string]any{"status": st}, &l)
	}
	return l
}

// disbursed is a disbursed loan of 1000.00 at 12 % over 12 months (1120.00
// due) in alpha's default currency.
func (f *fixture) disbursed(t *testing.T) lms.Loan {
	t.Helper()
	b := f.borrower(t, "Dana Disbursed")
	return f.loan(t, map[string]any{"borrower_id": b.ID, "principal": 100000, "interest_rate_bps": 1200, "term_months": 12},
		lms.StatusApproved, lms.StatusDisbursed)
}

func loanPath(id int64) string     { return fmt.Sprintf("/api/loans/%d/", id) }
func paymentsPath(id int64) string { return fmt.Sprintf("/api/loans/%d/payments/", id) }
func borrowerPath(id int64) string { return fmt.Sprintf("/api/borrowers/%d/", id) }
