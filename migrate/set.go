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
	// Line is the migration's numbering line: "" for Tenantry's own, an
	// application's name for its migrations (see Set.WithLine and Join).
	// Versions are unique and ordered within a line.
	Line     string
	Version  int    // from the file name's leading digits
	Name     string // the rest of the file name, without .sql
	SQL      string // the file's text, run as one simple-protocol statement list
	Checksum string // hex SHA-256 of SQL
}

// Label names the migration as its file does, after its line if it has
// one: 0003_add_items, or lms/0001_loans.
func (m Migration) Label() string {
	if m.Line != "" {
		return fmt.Sprintf("%s/%04d_%s", m.Line, m.Version, m.Name)
	}
	return fmt.Sprintf("%04d_%s", m.Version, m.Name)
}

// Set is an ordered list of migrations in one or more lines: Tenantry's
// own, then each application's, each with unique versions.
type Set struct {
	name       string
	lines      []string // in the order they are applied
	migrations []Migration
	index      map[key]int // position in migrations
}

// key names a migration within a set.
type key struct {
	line    string
	version int
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
// Lines are applied in the order of their first migration in ms; within a
// line, in version order.
func NewSet(name string, ms []Migration) (*Set, error) {
	ms = slices.Clone(ms)
	var lines []string
	for _, m := range ms {
		if !slices.Contains(lines, m.Line) {
			lines = append(lines, m.Line)
		}
	}
	slices.SortStableFunc(ms, func(a, b Migration) int {
		if a.Line != b.Line {
			return slices.Index(lines, a.Line) - slices.Index(lines, b.Line)
		}
		return a.Version - b.Version
	})
	for i := range ms {
		if ms[i].Version <= 0 || ms[i].Version > maxVersion {
			return nil, fmt.Errorf("%s migration %q: version must be a number from 1 to %d", name, ms[i].Name, maxVersion)
		}
		if i > 0 && ms[i].Version == ms[i-1].Version && ms[i].Line == ms[i-1].Line {
			return nil, fmt.Errorf("%s migrations %s and %s share version %d", name, ms[i-1].Label(), ms[i].Label(), ms[i].Version)
		}
		if ms[i].Checksum == "" {
			ms[i].Checksum = checksum(ms[i].SQL)
		}
	}
	index := make(map[key]int, len(ms))
	for i, m := range ms {
		index[key{m.Line, m.Version}] = i
	}
	return &Set{name: name, lines: lines, migrations: ms, index: index}, nil
}

// WithLine returns a copy of s whose migrations are all in line, for
// joining it after another set (see Join). line must be a lower-case
// identifier; "" is Tenantry's own line.
func (s *Set) WithLine(line string) (*Set, error) {
	if line != "" && !lineName.MatchString(line) {
		return nil, fmt.Errorf("%s migrations: line %q must be lower-case letters, digits and _, starting with a letter", s.name, line)
	}
	ms := s.Migrations()
	for i := range ms {
		ms[i].Line = line
	}
	return NewSet(s.name, ms)
}

var lineName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Join returns a set called name that applies each of sets in turn, after
// the ones before it. No line may appear in two of them: give each its own
// with WithLine.
func Join(name string, sets ...*Set) (*Set, error) {
	var ms []Migration
	seen := map[string]string{}
	for _, set := range sets {
		for _, l := range set.lines {
			if other, dup := seen[l]; dup {
				return nil, fmt.Errorf("%s migrations: line %q is in both %s and %s", name, l, other, set.name)
			}
			seen[l] = set.name
		}
		ms = append(ms, set.migrations...)
	}
	return NewSet(name, ms)
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

// Latest is the level of a schema that has every migration of the set:
// how many migrations the set holds. A schema's level is how many of them
// its ledger records (see Level); levels only grow, as migrations are only
// ever added, so "level == Latest" is "up to date" whatever the lines.
func (s *Set) Latest() int { return len(s.migrations) }

// Lines returns the set's lines in the order they are applied.
func (s *Set) Lines() []string { return slices.Clone(s.lines) }

// With returns a new Set holding s's migrations followed by more; it is how an
// application extends the reference tenant set with its own tables.
func (s *Set) With(name string, more ...Migration) (*Set, error) {
	return NewSet(name, append(s.Migrations(), more...))
}

func (s *Set) find(line string, version int) (Migration, bool) {
	i, ok := s.index[key{line, version}]
	if !ok {
		return Migration{}, false
	}
	return s.migrations[i], true
}

// LoadStrict is Load for an application's or an operator's migrations,
// where a mistake should stop the start rather than be skipped: every entry
// must be a file named NNNN_name.sql, and versions must run 1, 2, 3, ...
// without a gap. Errors name the file.
func LoadStrict(name string, fsys fs.FS) (*Set, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read %s migrations: %w", name, err)
	}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			return nil, fmt.Errorf("%s migrations: %q is not a migration: only NNNN_name.sql files belong here", name, e.Name())
		}
		if _, err := ParseName(e.Name()); err != nil {
			return nil, fmt.Errorf("%s migrations: %w", name, err)
		}
	}
	set, err := Load(name, fsys)
	if err != nil {
		return nil, err
	}
	for i, m := range set.migrations {
		if m.Version != i+1 {
			return nil, fmt.Errorf("%s migrations: %s follows %s: versions must run 1, 2, 3, ... without a gap", name, m.Label(), previous(set.migrations, i))
		}
	}
	return set, nil
}

func previous(ms []Migration, i int) string {
	if i == 0 {
		return "nothing (the first must be 0001)"
	}
	return ms[i-1].Label()
}
