package migrate_test

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tenantry/tenantry/migrate"
)

// wellFormed reads a migration file name by hand, without the parser's
// regular expression: NNNN_name.sql, digits then an underscore then one or
// more of a-z 0-9 _, with a version from 1 to 1,000,000,000.
func wellFormed(file string) (version int, name string, ok bool) {
	base, ok := strings.CutSuffix(file, ".sql")
	digits, name, found := strings.Cut(base, "_")
	if !ok || !found || digits == "" || name == "" {
		return 0, "", false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, "", false
		}
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return 0, "", false
		}
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" || len(digits) > 10 {
		return 0, "", false
	}
	v, err := strconv.Atoi(digits)
	if err != nil || v > 1_000_000_000 {
		return 0, "", false
	}
	return v, name, true
}

// FuzzParseName checks ParseName against wellFormed, and that a parsed
// name's Label is its canonical file name: one that parses back to the same
// migration, and equals the input when the input was written with four or
// more digits and no extra leading zeros.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{
		"0001_create_users.sql", "7_x.sql", "00000000000000000001_x.sql", "1000000000_largest.sql", "1000000001_x.sql",
		"0000_zero.sql", "0001_.sql", "0001_a.sql\n", "0001_a.sql.sql", "0001__.sql", "0001_a_.sql", "+1_a.sql",
		"٣_a.sql", "0001_a\x00.sql", "12345_a.sql", "99999999999999999999_x.sql", "0001_a.SQL", "../0001_a.sql",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file string) {
		m, err := migrate.ParseName(file)
		v, name, ok := wellFormed(file)
		if ok != (err == nil) {
			t.Fatalf("ParseName(%q) = %+v, %v; want accepted = %v", file, m, err, ok)
		}
		if err != nil {
			if m != (migrate.Migration{}) || !strings.Contains(err.Error(), strconv.Quote(file)) {
				t.Fatalf("ParseName(%q) = %+v, %v; want no migration and an error naming the file", file, m, err)
			}
			return
		}
		if m.Version != v || m.Name != name || m.SQL != "" || m.Checksum != "" {
			t.Fatalf("ParseName(%q) = %+v, want version %d name %q", file, m, v, name)
		}
		canonical := m.Label() + ".sql"
		if again, err := migrate.ParseName(canonical); again != m || err != nil {
			t.Fatalf("ParseName(%q) = %+v, but its label %q parses to %+v, %v", file, m, canonical, again, err)
		}
		digits, _, _ := strings.Cut(file, "_")
		if (canonical == file) != (digits == fmt.Sprintf("%04d", v)) {
			t.Fatalf("ParseName(%q) has label %q", file, m.Label())
		}
	})
}

// fuzzFS builds a directory from a listing of file names, one a line, and
// their contents, separated by NUL in the same order (missing ones empty).
// It reports false for listings that are not a valid fs.FS: invalid paths,
// or a name that is both a file and a directory.
func fuzzFS(listing, contents string) (fstest.MapFS, bool) {
	fsys := fstest.MapFS{}
	texts := strings.Split(contents, "\x00")
	for i, name := range strings.Split(listing, "\n") {
		if !fs.ValidPath(name) || name == "." {
			return nil, false
		}
		var text string
		if i < len(texts) {
			text = texts[i]
		}
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	for name := range fsys {
		for dir := name; strings.Contains(dir, "/"); {
			dir = dir[:strings.LastIndex(dir, "/")]
			if _, clash := fsys[dir]; clash {
				return nil, false
			}
		}
	}
	return fsys, true
}

// FuzzLoad loads directories of fuzzed file names and contents. Load
// succeeds exactly when every top-level .sql file is well formed and their
// versions are distinct; it then returns them all in increasing version
// order, each with its file's text, and a checksum that changes with the
// text and only with it. Otherwise its error names the set.
func FuzzLoad(f *testing.F) {
	f.Add("0001_a.sql\n0002_b.sql", "CREATE TABLE a ();\x00CREATE TABLE b ();")
	f.Add("0010_c.sql\n0002_b.sql\n0001_a.sql\nREADME.md", "c\x00b\x00a\x00# notes")
	f.Add("0001_a.sql\n001_b.sql", "same\x00same")
	f.Add("0001_a.sql\nsub/0002_b.sql\n0003_c.sql/x", "a\x00b\x00c")
	f.Add("0001_A.sql", "")
	f.Add("0000_a.sql", "")
	f.Add("7_x.sql\n0001_a.SQL\nnotes.sql.txt", "x")
	f.Add("0001_a.sql\n0002_b.sql", "same\x00same")
	f.Fuzz(func(t *testing.T, listing, contents string) {
		fsys, ok := fuzzFS(listing, contents)
		if !ok {
			return
		}
		set, err := migrate.Load("tenant", fsys)
		files, want := expectLoad(fsys)
		if (err == nil) != want {
			t.Fatalf("Load(%q) = %v, want success = %v", listing, err, want)
		}
		if err != nil {
			if !strings.Contains(err.Error(), "tenant") {
				t.Fatalf("Load(%q): error %q does not name the set", listing, err)
			}
			return
		}
		ms := set.Migrations()
		if len(ms) != len(files) {
			t.Fatalf("Load(%q) = %d migrations, want %d", listing, len(ms), len(files))
		}
		for i, m := range ms {
			if i > 0 && m.Version <= ms[i-1].Version {
				t.Fatalf("Load(%q): %s follows %s", listing, m.Label(), ms[i-1].Label())
			}
			if m.SQL != string(fsys[files[m.Version]].Data) {
				t.Fatalf("Load(%q): %s has SQL %q, want the text of %s", listing, m.Label(), m.SQL, files[m.Version])
			}
		}
		if set.Latest() != len(ms) {
			t.Fatalf("Load(%q): Latest() = %d, want %d (the number of migrations)", listing, set.Latest(), len(ms))
		}
		checkChecksums(t, fsys, files, ms)
	})
}

// expectLoad is what Load should make of fsys: the top-level .sql files by
// version, and whether it should succeed.
func expectLoad(fsys fstest.MapFS) (map[int]string, bool) {
	files := map[int]string{}
	for name := range fsys {
		if strings.Contains(name, "/") || !strings.HasSuffix(name, ".sql") {
			continue
		}
		v, _, ok := wellFormed(name)
		if _, dup := files[v]; !ok || dup {
			return nil, false
		}
		files[v] = name
	}
	return files, true
}

// checkChecksums edits the first migration's file and loads again: only
// that migration's checksum changes, and migrations with equal text have
// equal checksums.
func checkChecksums(t *testing.T, fsys fstest.MapFS, files map[int]string, ms []migrate.Migration) {
	t.Helper()
	if len(ms) == 0 {
		return
	}
	bySQL := map[string]string{}
	for _, m := range ms {
		if sum, seen := bySQL[m.SQL]; seen && sum != m.Checksum {
			t.Fatalf("two files with the text %q have checksums %s and %s", m.SQL, sum, m.Checksum)
		}
		bySQL[m.SQL] = m.Checksum
	}
	edited := fstest.MapFS{}
	for name, file := range fsys {
		edited[name] = file
	}
	name := files[ms[0].Version]
	edited[name] = &fstest.MapFile{Data: append([]byte(ms[0].SQL), ';')}
	set, err := migrate.Load("tenant", edited)
	if err != nil {
		t.Fatalf("Load after editing %s: %v", name, err)
	}
	for i, m := range set.Migrations() {
		if changed := m.Checksum != ms[i].Checksum; changed != (i == 0) {
			t.Fatalf("editing %s: checksum of %s changed = %v", name, m.Label(), changed)
		}
	}
}

// FuzzNewSet builds sets from four versions given in code: NewSet succeeds
// exactly when all are from 1 to 1,000,000,000 and distinct, and then
// returns them in increasing order.
func FuzzNewSet(f *testing.F) {
	f.Add(3, 1, 2, 10)
	f.Add(1, 1, 2, 3)
	f.Add(0, 1, 2, 3)
	f.Add(-1<<63, 1, 1, 2)
	f.Add(1<<63-1, 1, 2, -1<<63)
	f.Add(1_000_000_000, 999_999_999, 1, 2)
	f.Fuzz(func(t *testing.T, a, b, c, d int) {
		versions := []int{a, b, c, d}
		var ms []migrate.Migration
		want := true
		seen := map[int]bool{}
		for i, v := range versions {
			ms = append(ms, migrate.Migration{Version: v, Name: fmt.Sprint("m", i), SQL: fmt.Sprint("SELECT ", i)})
			want = want && v >= 1 && v <= 1_000_000_000 && !seen[v]
			seen[v] = true
		}
		set, err := migrate.NewSet("tenant", ms)
		if (err == nil) != want {
			t.Fatalf("NewSet(versions %v) = %v, want success = %v", versions, err, want)
		}
		if err != nil {
			return
		}
		got := set.Migrations()
		for i := 1; i < len(got); i++ {
			if got[i].Version <= got[i-1].Version {
				t.Fatalf("NewSet(versions %v) orders %d after %d", versions, got[i].Version, got[i-1].Version)
			}
		}
		if len(got) != len(ms) || got[0].Checksum == "" {
			t.Fatalf("NewSet(versions %v) = %+v", versions, got)
		}
	})
}
