package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/tenantry/tenantry/examples/items"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/app"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// apiRoles are the reference roles, each with a user in the fixture's alpha.
var apiRoles = []string{auth.RoleOwner, auth.RoleAdmin, auth.RoleMember, auth.RoleViewer, auth.RoleBilling}

// apiFixture is the real server on a fresh database with two tenants,
// alpha.test and beta.test. Alpha has a user of every role, named after its
// role (password "<role>-password"), each logged in; beta has its owner.
type apiFixture struct {
	env         *tenanttest.Env
	srv         *httptest.Server
	alpha, beta *tenantry.Tenant
	users       map[string]*auth.User // alpha's users by role
	tokens      map[string]string     // access tokens of alpha's users by role
	betaOwner   string                // beta's owner's access token
}

func newAPIFixture(t *testing.T) *apiFixture {
	t.Helper()
	env := tenanttest.Setup(t, withItems)
	f := &apiFixture{env: env, alpha: env.CreateTenant(t, "alpha"), beta: env.CreateTenant(t, "beta"),
		users: map[string]*auth.User{}, tokens: map[string]string{}}
	signer, err := auth.NewSigner([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(&api.Config{Routes: itemRoutes, Pool: env.Pool, Resolver: env.Registry, DB: env.DB, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	f.inAlpha(t, func(ctx context.Context, tx *tenantdb.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, "SELECT id FROM users WHERE username = 'owner'").Scan(&id); err != nil {
			return err
		}
		var err error
		f.users[auth.RoleOwner], err = auth.GetUser(ctx, tx, id)
		for _, role := range apiRoles[1:] {
			if err != nil {
				return err
			}
			f.users[role], err = auth.CreateUser(ctx, tx, auth.NewUser{Username: role, Email: role + "@alpha.test",
				Password: role + "-password", Role: role})
		}
		return err
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, role := range apiRoles {
		wg.Go(func() {
			tok := f.login(t, "alpha.test", role, role+"-password")
			mu.Lock()
			f.tokens[role] = tok
			mu.Unlock()
		})
	}
	wg.Wait()
	f.betaOwner = f.login(t, "beta.test", "owner", "owner-password")
	return f
}

// inAlpha runs fn in a transaction of tenant alpha.
func (f *apiFixture) inAlpha(t *testing.T, fn func(ctx context.Context, tx *tenantdb.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := f.env.DB.InTenant(ctx, f.alpha, func(tx *tenantdb.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// login returns an access token from POST /api/token/, failing t (safe
// from any goroutine) otherwise.
func (f *apiFixture) login(t *testing.T, host, username, password string) string {
	r := f.call(t, "POST", host, "/api/token/", "", map[string]string{"username": username, "password": password})
	var pair struct{ Access string }
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &pair) != nil || pair.Access == "" {
		t.Errorf("log in %s on %s: %d %s", username, host, r.Status, r.Body)
	}
	return pair.Access
}

// apiResponse is what the fixture's requests return, body read.
type apiResponse struct {
	Status int
	Header http.Header
	Body   string
}

// decode unmarshals the body into v, failing t if it cannot.
func (r apiResponse) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %d %s: %v", r.Status, r.Body, err)
	}
}

// call sends a request to host with token (if not empty) and body: nil for
// none, a string or []byte as is, anything else as JSON. A JSON content type
// is set for a body unless header (name, value pairs) sets one. It reports
// transport errors with t.Errorf, so it is safe from any goroutine.
func (f *apiFixture) call(t *testing.T, method, host, path, token string, body any, header ...string) apiResponse {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
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
		return apiResponse{}
	}
	req.Host = host
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return apiResponse{}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("%s %s: read body: %v", method, path, err)
	}
	return apiResponse{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// createItem creates an item in alpha as its owner.
func (f *apiFixture) createItem(t *testing.T, title string) items.Item {
	t.Helper()
	r := f.call(t, "POST", "alpha.test", "/api/items/", f.tokens[auth.RoleOwner], map[string]string{"name": title})
	if r.Status != http.StatusCreated {
		t.Fatalf("create item %q: %d %s", title, r.Status, r.Body)
	}
	var it items.Item
	r.decode(t, &it)
	return it
}

// createUser creates a user of role in alpha, straight in the database.
func (f *apiFixture) createUser(t *testing.T, username, role string) *auth.User {
	t.Helper()
	var u *auth.User
	f.inAlpha(t, func(ctx context.Context, tx *tenantdb.Tx) error {
		var err error
		u, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: username, Email: username + "@alpha.test",
			Password: username + "-password", Role: role})
		return err
	})
	return u
}

func itemPath(id int64) string { return fmt.Sprintf("/api/items/%d/", id) }
func userPath(id int64) string { return fmt.Sprintf("/api/users/%d/", id) }

// withItems sets up databases whose tenants have the reference
// application's tables, and itemRoutes mounts its API: the API's tests run
// against it as the stock server does.
var (
	withItems  = &tenanttest.Options{App: items.App()}
	itemRoutes = []func(*api.Routes) error{items.Register}
)

// itemSets returns the items application's migration sets, for tests that
// build their database or provisioner themselves.
func itemSets(t *testing.T) app.Sets {
	t.Helper()
	sets, err := items.App().Sets(nil)
	if err != nil {
		t.Fatal(err)
	}
	return sets
}

var ()
