package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/pgerr"
)

// Errors of user management.
var (
	ErrUserNotFound = errors.New("user not found")
	ErrForbidden    = errors.New("your role does not allow this")
	ErrLastOwner    = errors.New("the tenant's last owner cannot be demoted, deactivated or deleted")
)

const userColumns = "id, username, email, role, is_active, date_joined, password_changed_at"

func scanUser(row pgx.Row) (*User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Username, &u.Email, &u.Role, &u.IsActive, &u.DateJoined, &u.PasswordChangedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrUserNotFound
	}
	return &u, err
}

// GetUser returns user id, or ErrUserNotFound.
func GetUser(ctx context.Context, q Querier, id int64) (*User, error) {
	u, err := scanUser(q.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = $1", id))
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return nil, fmt.Errorf("get user %d: %w", id, err)
	}
	return u, err
}

// Rows is what ListUsers needs: a tenant transaction.
type Rows interface {
	Querier
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// ListUsers returns a page of users ordered by id, and how many there are.
func ListUsers(ctx context.Context, q Rows, limit, offset int) ([]User, int, error) {
	rows, err := q.Query(ctx, "SELECT "+userColumns+", count(*) OVER () FROM users ORDER BY id LIMIT $1 OFFSET $2", limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	total := 0
	users, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) {
		var u User
		return u, r.Scan(&u.ID, &u.Username, &u.Email, &u.Role, &u.IsActive, &u.DateJoined, &u.PasswordChangedAt, &total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	if len(users) == 0 && offset > 0 {
		err = q.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&total)
	}
	return users, total, err
}

// Changes are the fields UpdateUser may change; nil leaves one as it is.
type Changes struct {
	Email    *string
	Role     *string
	IsActive *bool
	Password *string
}

// Manager applies user management under a Policy: who may create, change
// and delete whom. Update and Delete first lock the tenant's active owners,
// so concurrent changes of one tenant's users run one after another.
type Manager struct {
	Policy Policy
	// DefaultRole is the role of a user created without one. Default
	// RoleMember.
	DefaultRole string
}

// mayTouch checks that actor may act on a user whose role is from and will
// be to. Owners, and users of any role that may itself manage owners, are
// touched only by actors who may manage owners: otherwise an admin could
// hand out such a role and make owners through it.
func (m Manager) mayTouch(actor *User, from, to string) error {
	if !m.Policy.Allows(actor.Role, UsersManage) {
		return ErrForbidden
	}
	if (m.ownerLike(from) || m.ownerLike(to)) && !m.Policy.Allows(actor.Role, OwnersManage) {
		return ErrForbidden
	}
	if !m.Policy.Has(to) {
		return invalid("role", to, "must be one of "+fmt.Sprint(m.Policy.Roles()))
	}
	return nil
}

// Create adds a user on behalf of actor.
func (m Manager) Create(ctx context.Context, q Querier, actor *User, nu NewUser) (*User, error) {
	if nu.Role == "" {
		nu.Role = cmp.Or(m.DefaultRole, RoleMember)
	}
	if err := m.mayTouch(actor, nu.Role, nu.Role); err != nil {
		return nil, err
	}
	if err := ValidatePassword(nu.Password); err != nil {
		return nil, err
	}
	return CreateUser(ctx, q, nu)
}

// Update changes user id on behalf of actor, keeping at least one active
// owner. Deactivating a user or changing its password ends its sessions.
func (m Manager) Update(ctx context.Context, q Querier, actor *User, id int64, c Changes) (*User, error) {
	target, err := m.lockTarget(ctx, q, actor, id, c.Role)
	if err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	losesOwner := m.ownerLike(target.Role) && target.IsActive &&
		((c.Role != nil && !m.ownerLike(*c.Role)) || (c.IsActive != nil && !*c.IsActive))
	if losesOwner {
		if err := lastOwnerCheck(ctx, q, target.ID, m.ownerRoles()); err != nil {
			return nil, err
		}
	}
	return applyChanges(ctx, q, id, c)
}

// Delete removes user id on behalf of actor, keeping at least one active
// owner.
func (m Manager) Delete(ctx context.Context, q Querier, actor *User, id int64) error {
	target, err := m.lockTarget(ctx, q, actor, id, nil)
	if err != nil {
		return err
	}
	if m.ownerLike(target.Role) && target.IsActive {
		if err := lastOwnerCheck(ctx, q, target.ID, m.ownerRoles()); err != nil {
			return err
		}
	}
	if err := scalar(ctx, q, "DELETE FROM users WHERE id = $1 RETURNING 1", id); err != nil {
		return fmt.Errorf("delete user %d: %w", id, err)
	}
	return nil
}

// ownerLike reports whether role is owner or a role that may manage owners
// (an application's own top role, such as superadmin).
func (m Manager) ownerLike(role string) bool {
	return role == RoleOwner || m.Policy.Allows(role, OwnersManage)
}

// ownerRoles lists the owner-like roles: a tenant always keeps one active
// user in one of them.
func (m Manager) ownerRoles() []string {
	out := []string{RoleOwner}
	for _, r := range m.Policy.Roles() {
		if r != RoleOwner && m.ownerLike(r) {
			out = append(out, r)
		}
	}
	return out
}

// lockTarget locks the active owners, then user id, for change and checks
// actor may move it to role.
func (m Manager) lockTarget(ctx context.Context, q Querier, actor *User, id int64, role *string) (*User, error) {
	if err := lockOwners(ctx, q, m.ownerRoles()); err != nil {
		return nil, err
	}
	target, err := scanUser(q.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = $1 FOR UPDATE", id))
	if err != nil {
		return nil, err
	}
	to := target.Role
	if role != nil {
		to = *role
	}
	return target, m.mayTouch(actor, target.Role, to)
}

// lockOwners locks the active owners' rows in id order. Every change takes
// these locks before its target's, so two transactions demoting two owners
// queue on the first owner's row, and the second then sees the first's
// change; were each to lock its own target first, both would wait for the
// other's (a deadlock).
func lockOwners(ctx context.Context, q Querier, roles []string) error {
	err := scalar(ctx, q, `SELECT count(*) FROM (SELECT id FROM users WHERE role = ANY($1) AND is_active
		ORDER BY id FOR UPDATE) o`, roles)
	if err != nil {
		return fmt.Errorf("lock owners: %w", err)
	}
	return nil
}

// lastOwnerCheck fails when id is the only active owner. The caller holds
// the owners' locks (lockTarget), so two concurrent demotions cannot both
// pass.
func lastOwnerCheck(ctx context.Context, q Querier, id int64, roles []string) error {
	var others int
	err := q.QueryRow(ctx, `SELECT count(*) FROM users WHERE role = ANY($2) AND is_active AND id <> $1`, id, roles).Scan(&others)
	if err != nil {
		return fmt.Errorf("count owners: %w", err)
	}
	if others == 0 {
		return ErrLastOwner
	}
	return nil
}

func (c Changes) validate() error {
	if c.Email != nil {
		if err := ValidateEmail(*c.Email); err != nil {
			return err
		}
	}
	if c.Password != nil {
		return ValidatePassword(*c.Password)
	}
	return nil
}

func applyChanges(ctx context.Context, q Querier, id int64, c Changes) (*User, error) {
	var hash *string
	if c.Password != nil {
		h, err := HashPassword(*c.Password)
		if err != nil {
			return nil, err
		}
		hash = &h
	}
	u, err := scanUser(q.QueryRow(ctx, `UPDATE users SET email = coalesce(lower($2), email), role = coalesce($3, role),
		is_active = coalesce($4, is_active), password_hash = coalesce($5, password_hash),
		password_changed_at = CASE WHEN $5::text IS NULL THEN password_changed_at ELSE now() END, updated_at = now()
		WHERE id = $1 RETURNING `+userColumns, id, c.Email, c.Role, c.IsActive, hash))
	if pgerr.Code(err) == pgerr.UniqueViolation {
		return nil, fmt.Errorf("update user %d: %w", id, ErrUserExists)
	}
	if err != nil {
		return nil, fmt.Errorf("update user %d: %w", id, err)
	}
	if !u.IsActive || c.Password != nil {
		return u, RevokeUser(ctx, q, id)
	}
	return u, nil
}

// QueueGetUser adds the lookup of user id to b, for running in one round
// trip with other work (tenantdb.DB.Pipeline); done receives the user or
// ErrUserNotFound when b's results are read.
func QueueGetUser(b *pgx.Batch, id int64, done func(*User, error)) {
	b.Queue("SELECT "+userColumns+" FROM users WHERE id = $1", id).QueryRow(func(row pgx.Row) error {
		u, err := scanUser(row)
		done(u, err)
		if errors.Is(err, ErrUserNotFound) {
			return nil // an answer, not a failure of the batch
		}
		return err
	})
}
