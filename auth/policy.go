package auth

import (
	"maps"
	"slices"
)

// Permission is one thing a role may do.
type Permission string

// The built-in permissions. DataRead and DataWrite guard an application's
// data for the built-in roles (the reference application's items); an
// application that declares roles of its own may use finer permissions.
const (
	DataRead     Permission = "data:read"
	DataWrite    Permission = "data:write"
	UsersRead    Permission = "users:read"
	UsersManage  Permission = "users:manage"  // create, change and delete users other than owners
	OwnersManage Permission = "owners:manage" // make, change and delete owners
	BillingRead  Permission = "billing:read"
	AuditRead    Permission = "audit:read"
	ProfileRead  Permission = "profile:read"
	// DomainsManage: see the tenant's domains and start their
	// verification (operators add and remove them).
	DomainsManage Permission = "domains:manage"
	DataExport    Permission = "data:export" // download all the tenant's data (GET /api/export)
)

// Policy maps each role to what it may do. It is a plain table so that the
// whole authorisation of an application can be read in one place, and an
// application can declare its own roles by adding rows.
type Policy map[string][]Permission

// DefaultPolicy is the reference roles' table: owners do everything, admins
// manage users and data, members read and write data, viewers read, billing
// sees billing only.
var DefaultPolicy = Policy{
	RoleOwner:   {DataRead, DataWrite, UsersRead, UsersManage, OwnersManage, BillingRead, AuditRead, ProfileRead, DomainsManage, DataExport},
	RoleAdmin:   {DataRead, DataWrite, UsersRead, UsersManage, AuditRead, ProfileRead, DomainsManage},
	RoleMember:  {DataRead, DataWrite, ProfileRead},
	RoleViewer:  {DataRead, ProfileRead},
	RoleBilling: {BillingRead, ProfileRead},
}

// Allows reports whether role has perm. Unknown roles have nothing.
func (p Policy) Allows(role string, perm Permission) bool {
	return slices.Contains(p[role], perm)
}

// Has reports whether role is declared.
func (p Policy) Has(role string) bool {
	_, ok := p[role]
	return ok
}

// Roles lists the declared roles in a stable order.
func (p Policy) Roles() []string {
	return slices.Sorted(maps.Keys(p))
}

// With returns a copy of p with role declared as perms, for applications
// that add or redefine roles.
func (p Policy) With(role string, perms ...Permission) Policy {
	out := maps.Clone(p)
	out[role] = slices.Clone(perms)
	return out
}
