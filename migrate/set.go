package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
)

// Migration is one numbered SQL file.
type Migration struct {
	Version  int    // from the file name's leading digits
	Name     string // the rest of the file name, without .sql
	SQL      string // the file's text, run as one simple-protocol statement list
	Checksum string // hex SHA-256 of SQL
}

// Label names the migration as its file does: 0003_add_items.
func (m Migration) Label() string { return fmt.Sprintf("%04d_%s", m.Version, m.Name) }

// Set is an ordered list of migrations with unique versions.
type Set struct {
	name       string
	migrations []Migration
}

// maxVersion is the highest version: the ledger's version column is an
// integer.
const maxVersion = 1_000_000_000

var fileName = regexp.MustCompile(`^([0-9]+)_([a-z0-9_]+)\.sql$`)

// Load reads every *.sql file at the top of fsys into a Set called name (the
// name appears in messages: "shared", "tenant"). File names must be
// NNNN_name.sql with a lower-case name; versions must be unique and greater
// than zero. Files of other extensions are ignored.
func Load(name string, fsys fs.FS) (*Set, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read %s migrations: %w", name, err)
	}
	var ms []Migration
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		m, err := parseFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("load %s migrations: %w", name, err)
		}
		ms = append(ms, m)
	}
	return NewSet(name, ms)
}

// NewSet builds a Set from migrations given in code, computing checksums
// where they are empty. It is how tests and benchmarks make sets on the fly.
func NewSet(name string, ms []Migration) (*Set, error) {
	ms = slices.Clone(ms)
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i := range ms {
		if ms[i].Version <= 0 || ms[i].Version > maxVersion {
			return nil, fmt.Errorf("%s migration %q: version must be a number from 1 to %d", name, ms[i].Name, maxVersion)
		}
		if i > 0 && ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("%s migrations %s and %s share version %d", name, ms[i-1].Label(), ms[i].Label(), ms[i].Version)
		}
		if ms[i].Checksum == "" {
			ms[i].Checksum = checksum(ms[i].SQL)
		}
	}
	return &Set{name: name, migrations: ms}, nil
}

func parseFile(fsys fs.FS, file string) (Migration, error) {
	m, err := ParseName(file)
	if err != nil {
		return m, err
	}
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return m, fmt.Errorf("read %s: %w", file, err)
	}
	m.SQL = string(b)
	m.Checksum = checksum(m.SQL)
	return m, nil
}

// ParseName reads the version and name from a file name such as
// 0003_add_items.sql.
func ParseName(file string) (Migration, error) {
	parts := fileName.FindStringSubmatch(file)
	if parts == nil {
		return Migration{}, fmt.Errorf("migration file %q: name must look like 0001_create_users.sql (digits, _, lower-case a-z0-9_)", file)
	}
	v, err := strconv.Atoi(parts[1])
	if err != nil || v <= 0 || v > maxVersion {
		return Migration{}, fmt.Errorf("migration file %q: version %q must be a number from 1 to %d", file, parts[1], maxVersion)
	}
	return Migration{Version: v, Name: parts[2]}, nil
}

func checksum(sql string) string {
	sum := sha256.Sum256([]byte(sql))
	return hex.EncodeToString(sum[:])
}

// Name is the set's name, as given to Load.
func (s *Set) Name() string { return s.name }

// Migrations returns the set's migrations in version order.
func (s *Set) Migrations() []Migration { return slices.Clone(s.migrations) }

// Latest is the highest version in the set, or 0 for an empty set.
func (s *Set) Latest() int {
	if len(s.migrations) == 0 {
		return 0
	}
	return s.migrations[len(s.migrations)-1].Version
}

// With returns a new Set holding s's migrations followed by more; it is how an
// application extends the reference tenant set with its own tables.
func (s *Set) With(name string, more ...Migration) (*Set, error) {
	return NewSet(name, append(s.Migrations(), more...))
}

func (s *Set) find(version int) (Migration, bool) {
	i, ok := slices.BinarySearchFunc(s.migrations, version, func(m Migration, v int) int { return m.Version - v })
	if !ok {
		return Migration{}, false
	}
	return s.migrations[i], true
}
