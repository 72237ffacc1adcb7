package domains

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/registry"
)

// Audit actions of the package.
const (
	ActionAdded    = "domain.added"
	ActionVerified = "domain.verified"
	ActionPrimary  = "domain.primary_changed"
	ActionRemoved  = "domain.removed"
)

// AddOptions adjust Add.
type AddOptions struct {
	// Primary makes the domain the tenant's primary one: at once when it is
	// verified at once, else when it is verified.
	Primary bool
}

// Add gives the tenant named by ref (slug, schema, domain or id) a domain.
// A subdomain of the base domain is verified at once; any other domain is
// pending, with a token, and a verification job is queued in the same
// transaction (Config.Jobs). Errors: a *tenantry.ValidationError for a
// name that cannot be a tenant's, tenantry.ErrDomainTaken when a tenant
// (this one or another) has it, tenantry.ErrTenantNotFound, and
// tenantry.ErrTenantDeleting.
func (s *Service) Add(ctx context.Context, ref, domain string, opts *AddOptions) (*Domain, error) {
	name, err := s.name(domain)
	if err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &AddOptions{}
	}
	var out *Domain
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		t, err := lockTenant(ctx, tx, ref)
		if err != nil {
			return err
		}
		if out, err = s.insert(ctx, tx, t, name, opts.Primary); err != nil {
			return err
		}
		if out.Status == StatusPending {
			return s.enqueue(ctx, tx, name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// insert adds name for t and, for a verified domain asked to be primary,
// makes it so.
func (s *Service) insert(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant, name string, primary bool) (*Domain, error) {
	status, token, by := StatusVerified, "", ByBaseDomain
	if !underBase(name, s.cfg.BaseDomain) {
		status, by = StatusPending, ""
		var err error
		if token, err = newToken(); err != nil {
			return nil, err
		}
	}
	tag, err := tx.Exec(ctx, insertSQL, name, t.ID, status, token, primary && status == StatusPending, by)
	if err != nil {
		return nil, fmt.Errorf("add domain %s to tenant %s: %w", name, t.Slug, err)
	}
	if tag.RowsAffected() == 0 {
		return nil, taken(ctx, tx, name, t)
	}
	if primary && status == StatusVerified {
		if err := makePrimary(ctx, tx, t.ID, name); err != nil {
			return nil, err
		}
	}
	if err := audit.Record(ctx, tx, audit.Event{TenantID: t.ID, Action: ActionAdded, Target: name,
		Details: map[string]any{"status": status, "primary": primary}}); err != nil {
		return nil, err
	}
	return get(ctx, tx, name)
}

// taken explains why a domain could not be added: which tenant has it is
// not told, unless it is t itself.
func taken(ctx context.Context, tx pgx.Tx, name string, t *tenantry.Tenant) error {
	d, err := get(ctx, tx, name)
	if err == nil && d.TenantID == t.ID {
		return fmt.Errorf("domain %s: tenant %s has it already: %w", name, t.Slug, tenantry.ErrDomainTaken)
	}
	return fmt.Errorf("domain %s belongs to another tenant: %w", name, tenantry.ErrDomainTaken)
}

// List returns the domains of the tenant named by ref: the primary first,
// then the verified ones, then the pending ones.
func (s *Service) List(ctx context.Context, ref string) ([]*Domain, error) {
	t, err := registry.Find(ctx, s.pool, ref)
	if err != nil {
		return nil, err
	}
	return s.ListOf(ctx, t.ID)
}

// ListOf is List by tenant id.
func (s *Service) ListOf(ctx context.Context, tenantID int64) ([]*Domain, error) {
	rows, err := s.pool.Query(ctx, listSQL, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list domains of tenant #%d: %w", tenantID, err)
	}
	ds, err := pgx.CollectRows(rows, scanDomain)
	if err != nil {
		return nil, fmt.Errorf("list domains of tenant #%d: %w", tenantID, err)
	}
	return ds, nil
}

// SetPrimary makes a verified domain of the tenant named by ref its
// primary one. A pending domain is ErrNotVerified; one the tenant does not
// have is ErrNotFound.
func (s *Service) SetPrimary(ctx context.Context, ref, domain string) (*Domain, error) {
	var out *Domain
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		t, d, err := s.tenantDomain(ctx, tx, ref, domain)
		if err != nil {
			return err
		}
		if d.Status != StatusVerified {
			return fmt.Errorf("make %s primary: %w: prove control of it first (tenantry domain verify)", d.Name, ErrNotVerified)
		}
		if !d.Primary {
			if err := makePrimary(ctx, tx, t.ID, d.Name); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, audit.Event{TenantID: t.ID, Action: ActionPrimary, Target: d.Name}); err != nil {
				return err
			}
		}
		out, err = get(ctx, tx, d.Name)
		return err
	})
	return out, err
}

// Remove takes a domain from the tenant named by ref: it stops routing at
// once. The primary domain cannot be removed (ErrPrimary).
func (s *Service) Remove(ctx context.Context, ref, domain string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		t, d, err := s.tenantDomain(ctx, tx, ref, domain)
		if err != nil {
			return err
		}
		if d.Primary {
			return fmt.Errorf("remove %s: %w", d.Name, ErrPrimary)
		}
		if _, err := tx.Exec(ctx, deleteSQL, d.Name, t.ID); err != nil {
			return fmt.Errorf("remove domain %s of tenant %s: %w", d.Name, t.Slug, err)
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: t.ID, Action: ActionRemoved, Target: d.Name})
	})
}

// tenantDomain locks the tenant named by ref and reads its domain.
func (s *Service) tenantDomain(ctx context.Context, tx pgx.Tx, ref, domain string) (*tenantry.Tenant, *Domain, error) {
	t, err := lockTenant(ctx, tx, ref)
	if err != nil {
		return nil, nil, err
	}
	name, err := Normalize(domain)
	if err != nil {
		return nil, nil, err
	}
	d, err := get(ctx, tx, name)
	if errors.Is(err, ErrNotFound) || (err == nil && d.TenantID != t.ID) {
		return nil, nil, notFound(name, t)
	}
	return t, d, err
}

// lockTenant finds the tenant named by ref and locks its row, so that its
// domains change one at a time; a tenant being deleted is refused.
func lockTenant(ctx context.Context, tx pgx.Tx, ref string) (*tenantry.Tenant, error) {
	t, err := registry.FindForUpdate(ctx, tx, ref)
	if err != nil {
		return nil, err
	}
	if t.Deleting() {
		return nil, fmt.Errorf("domains of tenant %s: %w", t.Slug, tenantry.ErrTenantDeleting)
	}
	return t, nil
}

func makePrimary(ctx context.Context, tx pgx.Tx, tenantID int64, name string) error {
	if _, err := tx.Exec(ctx, clearPrimarySQL, tenantID, name); err != nil {
		return fmt.Errorf("make %s primary: %w", name, err)
	}
	if _, err := tx.Exec(ctx, setPrimarySQL, name, tenantID); err != nil {
		return fmt.Errorf("make %s primary: %w", name, err)
	}
	return nil
}

// get reads one domain row; ErrNotFound when there is none.
func get(ctx context.Context, q registry.Querier, name string) (*Domain, error) {
	rows, err := q.Query(ctx, getSQL, name)
	if err != nil {
		return nil, fmt.Errorf("read domain %s: %w", name, err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, scanDomain)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("domain %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read domain %s: %w", name, err)
	}
	return d, nil
}

func scanDomain(row pgx.CollectableRow) (*Domain, error) {
	var d Domain
	err := row.Scan(&d.Name, &d.TenantID, &d.Primary, &d.Status, &d.Token, &d.PrimaryOnVerify,
		&d.VerifiedAt, &d.VerifiedBy, &d.CheckedAt, &d.LastError, &d.CreatedAt)
	d.Unicode = unicodeOf(d.Name)
	if d.Status == StatusVerified {
		d.Token = "" // spent: it proves nothing any more
	}
	return &d, err
}

// newToken returns a fresh verification token: 32 characters of [a-z2-7],
// 160 random bits.
func newToken() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a verification token: %w", err)
	}
	return strings.ToLower(base32.StdEncoding.EncodeToString(b)), nil
}

// byID is a tenant ref that names the tenant by id.
func byID(id int64) string { return strconv.FormatInt(id, 10) }
