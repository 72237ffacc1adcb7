package export_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/export"
)

// member is one file of an archive, for tests that rewrite archives.
type member struct {
	name string
	data []byte
}

// readMembers returns the members of the archive at path.
func readMembers(t *testing.T, path string) []member {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out []member
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, member{hdr.Name, b})
	}
}

// writeMembers writes members as an archive's bytes.
func writeMembers(t *testing.T, ms []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range ms {
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Size: int64(len(m.data)), Mode: 0o600}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// editManifest returns ms with its manifest changed by edit.
func editManifest(t *testing.T, ms []member, edit func(m map[string]any)) []member {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(ms[0].data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]member{{ms[0].name, b}}, ms[1:]...)
	return out
}

// footprint is what imports leave in the database.
func (e *env) footprint(t *testing.T) string {
	t.Helper()
	var s string
	err := e.Pool.QueryRow(context.Background(), `SELECT format('tenants=%s schemas=%s roles=%s domains=%s audit=%s states=%s',
		(SELECT count(*) FROM public.tenants), (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenant\_%'),
		(SELECT count(*) FROM pg_roles WHERE rolname LIKE 'tenantry\_' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '\_%'), (SELECT count(*) FROM public.domains),
		(SELECT count(*) FROM public.audit_log), (SELECT count(*) FROM public.tenantry_schema_state))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A truncated or altered archive, or one of another major format version,
// is refused with a clear error, and leaves nothing behind: no tenant, no
// schema, no role, no staged file.
func TestDamagedArchiveIsRefusedAndLeavesNothing(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, nil)
	good := e.export(t, e.tenantWithData(t, "acme"))
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	ms := readMembers(t, good)
	flip := func(at int) []byte { b := bytes.Clone(raw); b[at] ^= 0x10; return b }
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"truncated to half", raw[:len(raw)/2], export.ErrCorrupt},
		{"truncated by 3 bytes", raw[:len(raw)-3], export.ErrCorrupt},
		{"empty file", nil, export.ErrCorrupt},
		{"a byte flipped in the middle", flip(len(raw) / 2), export.ErrCorrupt},
		{"a byte flipped in the gzip trailer", flip(len(raw) - 6), export.ErrCorrupt},
		{"a byte flipped in the header", flip(20), export.ErrCorrupt},
		{"junk appended", append(bytes.Clone(raw), "junk"...), export.ErrCorrupt},
		{"not an archive", []byte("hello, world"), export.ErrCorrupt},
		{"major format version 2", writeMembers(t, editManifest(t, ms, func(m map[string]any) { m["format_version"] = "2.0" })),
			export.ErrFormatVersion},
		{"another format", writeMembers(t, editManifest(t, ms, func(m map[string]any) { m["format"] = "zip" })), export.ErrCorrupt},
		{"a member altered, the manifest not", writeMembers(t, alter(ms, "registry/tenant.json")), export.ErrCorrupt},
		{"a member dropped", writeMembers(t, drop(ms, "shared/audit_log.jsonl")), export.ErrCorrupt},
		{"a member added", writeMembers(t, append(slicesClone(ms), member{"extra.sql", []byte("DROP TABLE x")})), export.ErrCorrupt},
		{"the manifest's digest altered", writeMembers(t, editManifest(t, ms, func(m map[string]any) { m["digest"] = strings.Repeat("0", 64) })),
			export.ErrCorrupt},
		{"a row count altered in the manifest", writeMembers(t, editManifest(t, ms, func(m map[string]any) {
			m["tables"].(map[string]any)["products"] = 99
		})), export.ErrCorrupt},
		{"the manifest not first", writeMembers(t, append(slicesClone(ms[1:]), ms[0])), export.ErrCorrupt},
	}
	before := e.footprint(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(e.dir, "bad.tar.gz")
			if err := os.WriteFile(path, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := e.exporter.ImportFile(context.Background(), path, export.ImportRequest{Slug: "copy", Domain: "copy.test"})
			if !errors.Is(err, c.want) {
				t.Fatalf("import: %v, want %v", err, c.want)
			}
			if after := e.footprint(t); after != before {
				t.Errorf("the refused import left something: %s, before %s", after, before)
			}
			if left, _ := filepath.Glob(filepath.Join(e.dir, ".tenantry-export-*")); len(left) > 0 {
				t.Errorf("staging left behind: %v", left)
			}
		})
	}
}

func slicesClone(ms []member) []member { return append([]member(nil), ms...) }

// alter returns ms with name's content changed, keeping its size.
func alter(ms []member, name string) []member {
	out := slicesClone(ms)
	for i, m := range out {
		if m.name == name {
			b := bytes.Clone(m.data)
			b[len(b)/2] ^= 0x01
			out[i] = member{name, b}
		}
	}
	return out
}

func drop(ms []member, name string) []member {
	var out []member
	for _, m := range ms {
		if m.name != name {
			out = append(out, m)
		}
	}
	return out
}

// An archive made by a newer version of the application (a migration this
// binary lacks) is refused; nothing is left behind.
func TestNewerArchiveIsRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, nil)
	path := e.export(t, e.tenantWithData(t, "acme"))
	older, err := shopApp(1).Sets(nil)
	if err != nil {
		t.Fatal(err)
	}
	before := e.footprint(t)
	_, err = newExporter(e.Env, older.Tenant).ImportFile(context.Background(), path, export.ImportRequest{Slug: "copy", Domain: "copy.test"})
	if !errors.Is(err, export.ErrNewer) || !strings.Contains(err.Error(), "shop/0002_more") {
		t.Fatalf("import: %v, want ErrNewer naming shop/0002_more", err)
	}
	if after := e.footprint(t); after != before {
		t.Errorf("the refused import left something: %s, before %s", after, before)
	}
}

// An archive of an older level is migrated forward in the import's
// transaction.
func TestOlderArchiveIsMigratedForward(t *testing.T) {
	t.Parallel()
	e := setup(t, 1, nil)
	orig := e.tenantWithData(t, "acme")
	path := e.export(t, orig)
	newer, err := shopApp(2).Sets(nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := newExporter(e.Env, newer.Tenant).ImportFile(context.Background(), path, export.ImportRequest{Slug: "copy", Domain: "copy.test"})
	if err != nil {
		t.Fatal(err)
	}
	if got.From != e.Sets.Tenant.Latest() || got.To != newer.Tenant.Latest() {
		t.Errorf("levels %d -> %d, want %d -> %d", got.From, got.To, e.Sets.Tenant.Latest(), newer.Tenant.Latest())
	}
	var state int
	if err := e.Pool.QueryRow(context.Background(), "SELECT version FROM public.tenantry_schema_state WHERE schema_name = 'tenant_copy'").Scan(&state); err != nil || state != got.To {
		t.Errorf("fleet summary: level %d, %v; want %d", state, err, got.To)
	}
	if rows := rowsOf(t, e, got.Tenant, "products"); len(rows) != 4 || !strings.Contains(rows[0], `"price": 0`) {
		t.Errorf("products after migrating forward: %v", rows)
	}
}

// A tenant being deleted is not exported, and no file is left.
func TestExportOfDeletingTenantIsRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, nil)
	ten := e.CreateTenant(t, "acme")
	if _, err := e.Pool.Exec(context.Background(), "UPDATE public.tenants SET status = 'deleting' WHERE id = $1", ten.ID); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(e.dir, "acme.tar.gz")
	_, err := e.exporter.WriteFile(context.Background(), "acme", path)
	if !errors.Is(err, tenantry.ErrTenantDeleting) {
		t.Fatalf("export: %v, want ErrTenantDeleting", err)
	}
	if left, _ := filepath.Glob(filepath.Join(e.dir, "*")); len(left) > 0 {
		t.Errorf("files left: %v", left)
	}
	if _, err := e.exporter.WriteFile(context.Background(), "nobody", path); !errors.Is(err, tenantry.ErrTenantNotFound) {
		t.Errorf("export of an unknown tenant: %v", err)
	}
}
