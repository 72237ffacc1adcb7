package migrate_test

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

func TestParseNameReadsVersionAndName(t *testing.T) {
	for _, tc := range []struct {
		file    string
		version int
		name    string
	}{
		{"0001_create_users.sql", 1, "create_users"},
		{"0042_add_items.sql", 42, "add_items"},
		{"7_x.sql", 7, "x"},
		{"0003_v2_items_2024.sql", 3, "v2_items_2024"},
		{"1000000000_largest.sql", 1_000_000_000, "largest"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m, err := migrate.ParseName(tc.file)
			if err != nil {
				t.Fatalf("ParseName(%q): %v", tc.file, err)
			}
			if m.Version != tc.version || m.Name != tc.name {
				t.Errorf("ParseName(%q) = %d %q, want %d %q", tc.file, m.Version, m.Name, tc.version, tc.name)
			}
		})
	}
}

func TestParseNameRefusesBadNames(t *testing.T) {
	for _, file := range []string{
		"create_users.sql",           // no version
		"_create_users.sql",          // empty version
		"0001.sql",                   // no name
		"0001_.sql",                  // empty name
		"0001_Create_Users.sql",      // upper case
		"0001-create_users.sql",      // wrong separator
		"0001_create users.sql",      // space
		"0001_drop;users.sql",        // punctuation
		"0001_café.sql",              // non-ASCII
		"0001_users.SQL",             // upper-case extension
		"0001_users.sql.bak",         // not .sql
		"0001_users",                 // no extension
		"../0001_users.sql",          // a path, not a name
		"0000_zero.sql",              // version 0
		"1000000001_too_big.sql",     // beyond the ledger's range
		"99999999999999999999_x.sql", // overflows int
		"",
	} {
		t.Run(file, func(t *testing.T) {
			if m, err := migrate.ParseName(file); err == nil {
				t.Errorf("ParseName(%q) = %+v, want an error", file, m)
			}
		})
	}
}

func TestLoadReadsSQLFilesInVersionOrder(t *testing.T) {
	fsys := fstest.MapFS{
		"0010_add_gadgets.sql":   {Data: []byte("CREATE TABLE gadgets (id int);")},
		"0002_add_widgets.sql":   {Data: []byte("CREATE TABLE widgets (id int);")},
		"0001_create_users.sql":  {Data: []byte("CREATE TABLE users (id int);")},
		"README.md":              {Data: []byte("# not a migration")},
		"notes.txt":              {Data: []byte("neither")},
		"0003_backup.sql.orig":   {Data: []byte("an editor's leftover")},
		"archive/0004_old.sql":   {Data: []byte("in a sub-directory: ignored")},
		"0005_other_case.SQL":    {Data: []byte("not .sql: ignored")},
		"Makefile":               {Data: []byte("all:")},
		"0006_no_extension_file": {Data: []byte("ignored")},
	}
	set, err := migrate.Load("tenant", fsys)
	if err != nil {
		t.Fatal(err)
	}
	if set.Name() != "tenant" {
		t.Errorf("Name() = %q, want tenant", set.Name())
	}
	var labels []string
	for _, m := range set.Migrations() {
		labels = append(labels, m.Label())
		sum := sha256.Sum256(fsys[m.Label()+".sql"].Data)
		if m.SQL != string(fsys[m.Label()+".sql"].Data) || m.Checksum != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: SQL %q checksum %s, want the file's text and its SHA-256", m.Label(), m.SQL, m.Checksum)
		}
	}
	want := []string{"0001_create_users", "0002_add_widgets", "0010_add_gadgets"}
	if !slices.Equal(labels, want) {
		t.Errorf("migrations = %v, want %v", labels, want)
	}
	if set.Latest() != 3 { // a level: how many migrations, not the highest number
		t.Errorf("Latest() = %d, want 3", set.Latest())
	}
}

func TestLoadRefusesBadSets(t *testing.T) {
	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
	}{
		{"name without digits", fstest.MapFS{"0001_a.sql": {}, "create_users.sql": {}}},
		{"upper-case name", fstest.MapFS{"0001_a.sql": {}, "0002_AddItems.sql": {}}},
		{"duplicate versions", fstest.MapFS{"0001_a.sql": {}, "0002_b.sql": {}, "002_c.sql": {}}},
		{"version zero", fstest.MapFS{"0000_init.sql": {}, "0001_a.sql": {}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if set, err := migrate.Load("tenant", tc.fsys); err == nil {
				t.Errorf("Load = %d migrations, want an error", len(set.Migrations()))
			}
		})
	}
}

func TestLoadOfAnEmptyDirectoryIsAnEmptySet(t *testing.T) {
	set, err := migrate.Load("tenant", fstest.MapFS{"README.md": {}})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Migrations()) != 0 || set.Latest() != 0 {
		t.Errorf("set = %v latest %d, want empty", set.Migrations(), set.Latest())
	}
}

func TestNewSetRefusesVersionsTheLedgerCannotHold(t *testing.T) {
	for _, tc := range []struct {
		name string
		ms   []migrate.Migration
	}{
		{"zero", []migrate.Migration{{Version: 0, Name: "a"}}},
		{"negative", []migrate.Migration{{Version: -1, Name: "a"}}},
		{"beyond an integer column", []migrate.Migration{{Version: 1 << 31, Name: "a"}}},
		{"duplicate", []migrate.Migration{{Version: 1, Name: "a"}, {Version: 1, Name: "b"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := migrate.NewSet("tenant", tc.ms); err == nil {
				t.Error("NewSet succeeded, want an error")
			}
		})
	}
}

func TestWithExtendsASetWithoutChangingIt(t *testing.T) {
	base, err := migrate.NewSet("base", []migrate.Migration{{Version: 1, Name: "a", SQL: "SELECT 1"}})
	if err != nil {
		t.Fatal(err)
	}
	more, err := base.With("app", migrate.Migration{Version: 2, Name: "b", SQL: "SELECT 2"})
	if err != nil {
		t.Fatal(err)
	}
	if base.Latest() != 1 || more.Latest() != 2 || more.Name() != "app" {
		t.Errorf("base latest %d, extended %q latest %d; want 1, app 2", base.Latest(), more.Name(), more.Latest())
	}
	if _, err := base.With("app", migrate.Migration{Version: 1, Name: "clash"}); err == nil {
		t.Error("With accepted a version the set already has")
	}
}
