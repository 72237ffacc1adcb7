package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/auth"
)

// An owner downloads the tenant's data as a zip of JSON files, without
// secrets; other roles and other tenants' owners may not.
func TestOwnerDownloadsTheTenantsData(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	f.createItem(t, "Alpha's secret plan")
	r := f.call(t, "GET", "alpha.test", "/api/export", f.tokens[auth.RoleOwner], nil)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/zip" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), `attachment; filename="alpha-data-`) {
		t.Fatalf("GET /api/export: %d %v %.200s", r.Status, r.Header, r.Body)
	}
	files := unzip(t, []byte(r.Body))
	for _, name := range []string{"manifest.json", "tables/users.json", "tables/items.json", "shared/audit_log.json"} {
		if _, ok := files[name]; !ok {
			t.Errorf("the export lacks %s (has %v)", name, keys(files))
		}
	}
	for _, name := range []string{"tables/refresh_tokens.json", "tables/tenantry_migrations.json"} {
		if _, ok := files[name]; ok {
			t.Errorf("the export has %s", name)
		}
	}
	var users []map[string]any
	if err := json.Unmarshal(files["tables/users.json"], &users); err != nil || len(users) != len(apiRoles) {
		t.Fatalf("users.json: %d users, %v", len(users), err)
	}
	if _, ok := users[0]["password_hash"]; ok || strings.Contains(r.Body, "$argon2id$") {
		t.Error("the export holds password hashes")
	}
	if !strings.Contains(string(files["tables/items.json"]), "Alpha's secret plan") {
		t.Errorf("items.json: %s", files["tables/items.json"])
	}
	for _, role := range apiRoles[1:] {
		if r := f.call(t, "GET", "alpha.test", "/api/export", f.tokens[role], nil); r.Status != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403", role, r.Status, r.Body)
		}
	}
	if r := f.call(t, "GET", "alpha.test", "/api/export", f.betaOwner, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("beta's owner on alpha: %d %s, want 401", r.Status, r.Body)
	}
	if r := f.call(t, "GET", "alpha.test", "/api/export", "", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", r.Status)
	}
	if r := f.call(t, "GET", "beta.test", "/api/export", f.betaOwner, nil); r.Status != http.StatusOK ||
		strings.Contains(r.Body, "Alpha's secret plan") {
		t.Errorf("beta's export: %d, or it holds alpha's data", r.Status)
	}
}

func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	out := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[zf.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
