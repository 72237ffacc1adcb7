package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

type pingInput struct{ api.Bearer }

type noBearerInput struct{}

type pingOutput struct {
	Body struct {
		Tenant string `json:"tenant"`
		User   string `json:"user"`
	}
}

func ping(_ context.Context, c *api.Context, _ *pingInput) (*pingOutput, error) {
	out := &pingOutput{}
	out.Body.Tenant, out.Body.User = c.Tenant.Slug, c.User.Username
	return out, nil
}

func TestApplicationRoutesThatShadowBuiltInsAreRefusedAtStart(t *testing.T) {
	env := tenanttest.Setup(t, nil)
	signer, err := auth.NewSigner([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	op := func(path string) huma.Operation {
		return huma.Operation{OperationID: "op" + strings.ReplaceAll(path, "/", "_"), Method: http.MethodGet, Path: path}
	}
	for _, tc := range []struct {
		name    string
		without []api.Part
		hook    func(*api.Routes) error
		want    string // "" for no error
	}{
		{"users", nil, func(r *api.Routes) error {
			api.Register(r, op("/api/users/{id}/notes"), auth.DataRead, ping)
			return nil
		},
			"shadows Tenantry's built-in /api/users"},
		{"token", nil, func(r *api.Routes) error { api.Register(r, op("/api/token"), auth.DataRead, ping); return nil },
			"shadows Tenantry's built-in /api/token"},
		{"left-out part frees its path", []api.Part{api.PartAudit},
			func(r *api.Routes) error { api.Register(r, op("/api/audit"), auth.DataRead, ping); return nil }, ""},
		{"plain handler on the console's path", nil,
			func(r *api.Routes) error { r.Handle("GET /admin/x", auth.DataRead, nil); return nil }, "shadows Tenantry's built-in /admin"},
		{"permission no role holds", nil,
			func(r *api.Routes) error { api.Register(r, op("/api/ping"), "ping:use", ping); return nil }, `no role holds permission "ping:use"`},
		{"input without a bearer", nil, func(r *api.Routes) error {
			api.Register(r, op("/api/ping"), auth.DataRead, func(context.Context, *api.Context, *noBearerInput) (*pingOutput, error) { return nil, nil })
			return nil
		}, "must embed api.Bearer"},
		{"hook error", nil, func(*api.Routes) error { return errTest }, "the hook failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := api.NewHandler(&api.Config{Pool: env.Pool, Resolver: env.Registry, DB: env.DB, Signer: signer,
				Without: tc.without, Routes: []func(*api.Routes) error{tc.hook}})
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("NewHandler: %v, want %q", err, tc.want)
			}
		})
	}
}

var errTest = testError("the hook failed")

type testError string

func (e testError) Error() string { return string(e) }

func TestApplicationOperationGetsTenantUserAndRoleCheck(t *testing.T) {
	env := tenanttest.Setup(t, nil)
	alpha := env.CreateTenant(t, "alpha")
	env.CreateTenant(t, "beta")
	err := env.DB.InTenant(context.Background(), alpha, func(tx *tenantdb.Tx) error {
		_, err := auth.CreateUser(context.Background(), tx, auth.NewUser{Username: "mia", Email: "mia@alpha.test",
			Password: "mia-password", Role: auth.RoleMember})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(&api.Config{Pool: env.Pool, Resolver: env.Registry, DB: env.DB, Signer: signer,
		Routes: []func(*api.Routes) error{func(r *api.Routes) error {
			api.Register(r, huma.Operation{OperationID: "ping", Method: http.MethodGet, Path: "/api/ping"}, auth.UsersRead, ping)
			return nil
		}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	call := func(host, path, token string, body string) (int, string) {
		method := http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Host = host
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	login := func(user, password string) string {
		_, body := call("alpha.test", "/api/token/", "", `{"username":"`+user+`","password":"`+password+`"}`)
		var tok struct{ Access string }
		if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.Access == "" {
			t.Fatalf("login %s: %s", user, body)
		}
		return tok.Access
	}
	owner, member := login("owner", "owner-password"), login("mia", "mia-password")
	if code, body := call("alpha.test", "/api/ping/", owner, ""); code != 200 || !strings.Contains(body, `"tenant":"alpha"`) ||
		!strings.Contains(body, `"user":"owner"`) {
		t.Errorf("owner's ping: %d %s", code, body)
	}
	if code, body := call("alpha.test", "/api/ping/", member, ""); code != 403 {
		t.Errorf("member's ping (no users:read): %d %s, want 403", code, body)
	}
	if code, body := call("beta.test", "/api/ping/", owner, ""); code != 401 {
		t.Errorf("alpha's token on beta: %d %s, want 401", code, body)
	}
	if code, body := call("alpha.test", "/api/ping/", "", ""); code != 401 {
		t.Errorf("no token: %d %s, want 401", code, body)
	}
	if _, body := call("alpha.test", "/api/openapi.json", "", ""); !strings.Contains(body, `"/api/ping"`) {
		t.Error("the application's operation is not in the OpenAPI document")
	}
}
