package leakhunt

import (
	"context"
	"fmt"
	"github.com/tenantry/tenantry/examples/items"
	"sync"
	"sync/atomic"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenantdb"
)

// tenant is one tenant of the hunt as the clients know it.
type tenant struct {
	*tenantry.Tenant
	index  int
	host   string
	marker string
	users  map[string]int64  // user id by role
	emails map[string]string // email by role
	tokens map[string]string // access token by role
	items  []int64           // the items it started with
}

// roles are the roles each tenant has a user of; billing, which may read
// nothing of the API's data, is left out.
var roles = []string{auth.RoleOwner, auth.RoleAdmin, auth.RoleMember, auth.RoleViewer}

// password is every user's password.
const password = "leakhunt-password"

// idBlock is how far apart tenants' ids are: tenant i numbers its users and
// items from (i+1)*idBlock, so an id names one tenant's row only, and any
// other tenant serving it is a leak.
const idBlock = 10_000_000

// setupWorkers is how many tenants are set up at once.
const setupWorkers = 4

// createTenants provisions the tenants, setupWorkers at a time, each with
// a user of every role and items of its own, all carrying its marker. The
// first error stops the others.
func (h *hunt) createTenants(ctx context.Context) error {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	h.tenants = make([]*tenant, h.cfg.Tenants)
	p := provision.New(h.pool, &provision.Config{TenantMigrations: items.TenantSet(), DisableRoles: h.cfg.DisableRoles})
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range setupWorkers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(h.tenants) && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				t, err := h.createTenant(ctx, p, i, hash)
				if err != nil {
					cancel(err)
					return
				}
				h.tenants[i] = t
				if d := int(done.Add(1)); d%max(len(h.tenants)/10, 1) == 0 {
					h.cfg.Logger.Info("tenants created", "done", d, "of", len(h.tenants))
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

func (h *hunt) createTenant(ctx context.Context, p *provision.Provisioner, i int, hash string) (*tenant, error) {
	slug := fmt.Sprintf("lh%04d", i)
	marker := NewMarker(slug)
	t := &tenant{index: i, host: slug + ".leakhunt.test", marker: marker,
		users: map[string]int64{}, emails: map[string]string{}, tokens: map[string]string{}}
	for _, role := range roles {
		t.emails[role] = role + "." + marker + "@leakhunt.test"
	}
	var err error
	t.Tenant, err = p.Create(ctx, provision.Request{Slug: slug, Name: "Leak hunt " + marker, Domain: t.host,
		Admin: &provision.Admin{Username: t.username(auth.RoleOwner), Email: t.emails[auth.RoleOwner], PasswordHash: hash}})
	if err != nil {
		return nil, fmt.Errorf("leakhunt: create tenant %s: %w", slug, err)
	}
	err = h.db.InTenant(ctx, t.Tenant, func(tx *tenantdb.Tx) error { return t.fill(ctx, tx, h.cfg.Items, hash) })
	if err != nil {
		return nil, fmt.Errorf("leakhunt: fill tenant %s: %w", slug, err)
	}
	return t, nil
}

// fill moves the tenant's ids into its block, creates its other users and
// its items.
func (t *tenant) fill(ctx context.Context, tx *tenantdb.Tx, items int, hash string) error {
	first := int64(t.index+1) * idBlock
	_, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('users', 'id'), $1),
		setval(pg_get_serial_sequence('items', 'id'), $1)`, first)
	if err != nil {
		return err
	}
	var owner int64
	err = tx.QueryRow(ctx, "SELECT id FROM users WHERE username = $1", t.username(auth.RoleOwner)).Scan(&owner)
	if err != nil {
		return err
	}
	t.users[auth.RoleOwner] = owner // made by provisioning, before the sequence moved
	for _, role := range roles[1:] {
		u, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: t.username(role), Email: t.emails[role],
			PasswordHash: hash, Role: role})
		if err != nil {
			return err
		}
		t.users[role] = u.ID
	}
	rows, _ := tx.Query(ctx, `INSERT INTO items (name, description, created_by)
		SELECT $1 || ' item ' || g, 'seeded for ' || $1, $2 FROM generate_series(1, $3) g RETURNING id`,
		t.marker, t.users[auth.RoleMember], items)
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		t.items = append(t.items, id)
	}
	return rows.Err()
}

// username is the username of the tenant's user of role.
func (t *tenant) username(role string) string { return role + "." + t.marker }
