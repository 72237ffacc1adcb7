package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/limits"
)

// The roles every tenant has. Applications may use others; see ValidRole.
const (
	RoleOwner   = "owner"
	RoleAdmin   = "admin"
	RoleMember  = "member"
	RoleViewer  = "viewer"
	RoleBilling = "billing"
)

// ErrUserExists reports a username or email already taken in the tenant.
var ErrUserExists = errors.New("a user with that username or email already exists")

// User is a tenant's user, without the password hash.
type User struct {
	ID         int64     `json:"id"`
	Username   string    `json:"username"`
	Email      string    `json:"email"`
	Role       string    `json:"role"`
	IsActive   bool      `json:"is_active"`
	DateJoined time.Time `json:"date_joined"`
	// PasswordChangedAt is when the password last changed, if ever; access
	// tokens issued before it are refused (see IssuedBeforePasswordChange).
	PasswordChangedAt *time.Time `json:"-"`
}

// IssuedBeforePasswordChange reports whether a token issued at iat predates
// the user's last password change. Token times have whole seconds, so the
// change's time is cut to its second: a token issued later in that second
// is kept.
func (u *User) IssuedBeforePasswordChange(iat time.Time) bool {
	return u.PasswordChangedAt != nil && iat.Before(u.PasswordChangedAt.Truncate(time.Second))
}

// NewUser is what CreateUser needs. Role defaults to member.
type NewUser struct {
	Username string
	Email    string
	Password string
	// PasswordHash, when set, is an argon2id hash from HashPassword used
	// instead of hashing Password: a signup hashes the password when it is
	// typed and creates the user later.
	PasswordHash string
	Role         string
}

// Querier is a transaction bound to the user's tenant (tenantdb.Tx) or any
// pgx transaction whose search_path points at the tenant's schema.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var (
	usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_.@+-]{1,150}$`)
	rolePattern     = regexp.MustCompile(`^[a-z_]{1,32}$`)
)

// Validate checks the username, email and the role's form (whether the role
// exists is the Policy's business; not the password's strength either: see
// ValidatePassword) and normalises the email to lower case.
func (u *NewUser) Validate() error {
	u.Username = strings.TrimSpace(u.Username)
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.Role == "" {
		u.Role = RoleMember
	}
	if !usernamePattern.MatchString(u.Username) {
		return invalid("username", u.Username, "must be 1 to 150 characters: letters, digits and _ . @ + -")
	}
	if err := ValidateEmail(u.Email); err != nil {
		return err
	}
	if !rolePattern.MatchString(u.Role) {
		return invalid("role", u.Role, "must be 1 to 32 characters: a-z and _")
	}
	return nil
}

// ValidateEmail checks that email is a bare address (no display name) of at
// most 254 bytes.
func ValidateEmail(email string) error {
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		return invalid("email", email, "must be an address such as ana@example.com")
	}
	return nil
}

// CreateUser validates u, hashes its password and inserts it. It returns
// ErrUserExists when the username or email is taken (compared without
// regard to case), and a *limits.QuotaError when the tenant's plan allows
// no more users (limits.AdmitUser: the check holds the tenant's user-count
// lock until q ends).
func CreateUser(ctx context.Context, q Querier, u NewUser) (*User, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	hash := u.PasswordHash
	if hash == "" {
		var err error
		if hash, err = HashPassword(u.Password); err != nil {
			return nil, err
		}
	} else if _, _, _, err := parseHash(hash); err != nil {
		return nil, fmt.Errorf("create user %s: %w", u.Username, err)
	}
	// After hashing, which takes a while: the check's lock is held until
	// the transaction ends.
	if err := limits.AdmitUser(ctx, q); err != nil {
		return nil, fmt.Errorf("create user %s: %w", u.Username, err)
	}
	out := User{Username: u.Username, Email: u.Email, Role: u.Role, IsActive: true}
	err := q.QueryRow(ctx, `INSERT INTO users (username, email, password_hash, role)
		VALUES ($1, $2, $3, $4) RETURNING id, date_joined`,
		u.Username, u.Email, hash, u.Role).Scan(&out.ID, &out.DateJoined)
	if pgerr.Code(err) == pgerr.UniqueViolation {
		return nil, fmt.Errorf("create user %s: %w", u.Username, ErrUserExists)
	}
	if err != nil {
		return nil, fmt.Errorf("create user %s: %w", u.Username, err)
	}
	return &out, nil
}

func invalid(field, value, reason string) error {
	return &tenantry.ValidationError{Field: field, Value: value, Reason: reason}
}
