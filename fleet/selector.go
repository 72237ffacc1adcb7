package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Selector chooses schemas, as django-pgschemas' command-line options do.
// The class flags add whole classes, Schemas adds single schemas, Exclude
// removes; a Selector with nothing set chooses nothing (see IsEmpty).
type Selector struct {
	Schemas []string // -s/--schema: schema name, tenant slug or domain
	Exclude []string // -x/--exclude: same forms
	All     bool     // --all-schemas/-as: public, static, dynamic and spare schemas
	Static  bool     // --static-schemas/-ss
	Dynamic bool     // --dynamic-schemas/-ds: every tenant's schema
	Tenant  bool     // --tenant-schemas/-ts: static and dynamic, not public
}

// IsEmpty reports whether the selector chooses nothing.
func (s Selector) IsEmpty() bool {
	return len(s.Schemas) == 0 && !s.All && !s.Static && !s.Dynamic && !s.Tenant
}

// ErrUnknownSchema is returned for a -s or -x name that matches no schema,
// tenant slug or domain.
var ErrUnknownSchema = errors.New("no schema, tenant slug or domain has that name")

// Select returns the schemas sel chooses, in migration order (public,
// static, dynamic, spare) and without duplicates.
func (f *Fleet) Select(ctx context.Context, sel Selector) ([]Schema, error) {
	all, err := f.schemas(ctx)
	if err != nil {
		return nil, err
	}
	chosen := make(map[string]bool)
	for _, s := range all {
		if sel.includesKind(s.Kind) {
			chosen[s.Name] = true
		}
	}
	if err := mark(all, sel.Schemas, chosen, true); err != nil {
		return nil, err
	}
	if err := mark(all, sel.Exclude, chosen, false); err != nil {
		return nil, err
	}
	var out []Schema
	for _, s := range all {
		if chosen[s.Name] {
			out = append(out, s)
		}
	}
	return out, nil
}

func (sel Selector) includesKind(k Kind) bool {
	switch k {
	case KindPublic, KindSpare:
		return sel.All
	case KindStatic:
		return sel.All || sel.Static || sel.Tenant
	case KindDynamic:
		return sel.All || sel.Dynamic || sel.Tenant
	}
	return false
}

// mark sets chosen[name] = to for the schema each ref names.
func mark(all []Schema, refs []string, chosen map[string]bool, to bool) error {
	for _, ref := range refs {
		s, ok := find(all, ref)
		if !ok {
			return fmt.Errorf("%q: %w", ref, ErrUnknownSchema)
		}
		chosen[s.Name] = to
	}
	return nil
}

func find(all []Schema, ref string) (Schema, bool) {
	host := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(ref)), ".")
	for _, s := range all {
		if s.Name == ref || (s.Slug != "" && s.Slug == ref) {
			return s, true
		}
		for _, d := range s.Domains {
			if d == host {
				return s, true
			}
		}
	}
	return Schema{}, false
}
