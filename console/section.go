package console

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

// Section is an application's part of the tenant console: a list of
// records at /admin/<Path>/ with search and paging, and, where its
// functions are set, forms to create, edit and delete them. Each function
// runs in a transaction bound to the tenant, committed when it returns
// nil. A nil Create, Update or Delete is not offered.
type Section struct {
	// Path is the section's address under /admin/: lower-case letters,
	// digits and -, not one of the console's own (users, joins, audit,
	// profile, login, logout, static).
	Path string
	// Title names the section in the navigation ("Items"); Noun names one
	// record in buttons and messages ("item").
	Title, Noun string
	// Read lets a role see the section; Write lets it create, edit and
	// delete. Roles without Write are not offered the forms, and a form
	// they send anyway is refused (403).
	Read, Write auth.Permission
	// Fields are the record's fields, in the order of the form and the
	// list's columns.
	Fields []Field
	// List returns a page of records matching q (required).
	List func(ctx context.Context, tx *tenantdb.Tx, q Query) (*Page, error)
	// Get returns one record's values, or ErrNotFound.
	Get func(ctx context.Context, tx *tenantdb.Tx, id int64) (Values, error)
	// Create adds a record made by user and returns its id. A *FieldError
	// or a *tenantry.ValidationError is shown beside its field.
	Create func(ctx context.Context, tx *tenantdb.Tx, user *auth.User, v Values) (int64, error)
	// Update changes record id (errors as Create's, or ErrNotFound).
	Update func(ctx context.Context, tx *tenantdb.Tx, id int64, v Values) error
	// Delete removes record id, or returns ErrNotFound.
	Delete func(ctx context.Context, tx *tenantdb.Tx, id int64) error
}

// FieldKind is how a field is typed in.
type FieldKind string

// The kinds of field.
const (
	Text     FieldKind = "text"
	TextArea FieldKind = "textarea"
	Number   FieldKind = "number"
)

// Field is one field of a Section's records.
type Field struct {
	Name, Label string
	Kind        FieldKind // default Text
	Required    bool
	MaxLength   int    // 0: no limit in the form (the Section still checks)
	Help        string // shown under the field
	Listed      bool   // shown as a column of the list
	ReadOnly    bool   // shown, never typed in (an id, a computed total)
}

// Values are a record's fields by name, as text.
type Values map[string]string

// Query asks a Section's List for a page.
type Query struct {
	Search string // what the user typed in the search box; "" for all
	Limit  int
	Offset int
}

// Page is a page of records and how many match in all.
type Page struct {
	Rows  []Row
	Total int64
}

// Row is one record of a list.
type Row struct {
	ID     int64
	Values Values
}

// ErrNotFound is a Section's answer for a record that does not exist.
var ErrNotFound = errors.New("not found")

var sectionPath = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// builtinPaths are the console's own pages.
var builtinPaths = []string{"users", "joins", "audit", "profile", "login", "logout", "static", "tenants", "fleet", "spares"}

// checkSections refuses a section the console could not serve.
func checkSections(sections []Section, policy auth.Policy) error {
	seen := map[string]bool{}
	for _, s := range sections {
		switch {
		case !sectionPath.MatchString(s.Path) || slices.Contains(builtinPaths, s.Path):
			return fmt.Errorf("console: section %q: Path must be lower-case letters, digits and -, and not one of %v", s.Path, builtinPaths)
		case seen[s.Path]:
			return fmt.Errorf("console: section %q declared twice", s.Path)
		case s.Title == "" || s.Noun == "" || s.List == nil || len(s.Fields) == 0:
			return fmt.Errorf("console: section %q needs a Title, a Noun, Fields and List", s.Path)
		case !anyRole(policy, s.Read):
			return fmt.Errorf("console: section %q: no role holds its Read permission %q", s.Path, s.Read)
		}
		seen[s.Path] = true
	}
	return nil
}

func anyRole(p auth.Policy, perm auth.Permission) bool {
	for _, role := range p.Roles() {
		if p.Allows(role, perm) {
			return true
		}
	}
	return false
}
