package app

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/console"
	"github.com/tenantry/tenantry/jobs"
)

// App is an application on Tenantry. Only Name is required: an App with
// nothing else is Tenantry's own server (users, tokens, signup, platform)
// with no data of its own.
type App struct {
	// Name is the application's name: its command's name in help, and the
	// migration line under which each schema's ledger records its
	// migrations. Lower-case letters, digits and _, starting with a letter;
	// never "tenantry". Keep it: renaming it makes every schema's ledger
	// name migrations this binary lacks.
	Name string
	// Command is the binary's name in help and messages. Default Name.
	Command string
	// Short describes the application in one line, for --help. Default:
	// Tenantry's own line.
	Short string
	// TenantMigrations holds the numbered SQL files (0001_name.sql, ...)
	// applied, after Tenantry's own, to every tenant schema, static schema
	// and spare. Numbers start at 1 and leave no gap; every file is a .sql
	// file. Default none.
	TenantMigrations fs.FS
	// SharedMigrations holds numbered SQL files applied to public after
	// Tenantry's own, for the application's shared tables. Name them
	// qualified (public.plans). Same rules as TenantMigrations. Default none.
	SharedMigrations fs.FS
	// Roles declares the application's roles and what each may do. They are
	// added to Tenantry's built-in roles (owner, admin, member, viewer,
	// billing); declaring one of those names is an error unless ReplaceRoles
	// is set. Default none.
	Roles auth.Policy
	// ReplaceRoles makes Roles the whole role table, without the built-in
	// roles. It must then give OwnerRole every permission of
	// auth.DefaultPolicy's owner. Default false.
	ReplaceRoles bool
	// OwnerRole is the role of a tenant's first user (tenant create
	// --admin-*, signup, the platform API). Default "owner".
	OwnerRole string
	// MemberRole is the role of a user who joins an existing tenant
	// (approved join request, auto-join) and of a user created through the
	// API without a role. Default "member".
	MemberRole string
	// Routes registers the application's HTTP operations and pages. They
	// are served on every tenant host, behind routing (404 for unknown
	// hosts, 503 for suspended tenants), authentication and the role
	// checks each declares, each in one transaction bound to the tenant
	// (see api.Register and api.Routes.Handle). Default none.
	Routes func(r *api.Routes) error
	// Demo fills a demo tenant (tenantry demo, tenantry dev) with sample
	// data, in the tenant's transaction, after its owner "demo" is made.
	// Default nil: demo tenants hold only their seed data.
	Demo jobs.SeedFunc
	// Seeds fill each new tenant with its first data, in order, in the
	// tenant's transaction, as a job after the tenant is made. Default none.
	Seeds []jobs.SeedFunc
	// Jobs are the application's own job workers (jobs.AppWorker,
	// jobs.TenantWorker). Default none.
	Jobs []jobs.Registration
	// Commands are the application's own commands, added to the CLI; those
	// with a Schema function also run per selected schema under "run".
	// Default none.
	Commands []Command
	// Console declares the application's sections of the web console on
	// tenant hosts (/admin/<path>/): lists with search and paging, and
	// forms to create, edit and delete, each section behind the
	// permissions it names. Default none: the console has Tenantry's own
	// pages (users, join requests, audit log, profile).
	Console []console.Section
	// Without leaves out built-in endpoint groups the application does not
	// want (api.PartSignup, api.PartAudit, ...). Tokens are always served.
	// Default none left out.
	Without []api.Part
}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

var commandName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// Validate checks a, naming the field and the culprit: a bad name, a
// role that clashes with a built-in one, an owner role that cannot manage
// users, a command whose name is taken. Migration sets are checked by Sets,
// routes when the server is built.
func (a *App) Validate() error {
	if !namePattern.MatchString(a.Name) || a.Name == "tenantry" {
		return fmt.Errorf("app: Name %q must be lower-case letters, digits and _, starting with a letter, and not \"tenantry\"", a.Name)
	}
	if _, err := a.Policy(); err != nil {
		return err
	}
	for _, p := range a.Without {
		if !slices.Contains(api.Parts(), p) {
			return fmt.Errorf("app %s: Without: unknown part %q (known: %v)", a.Name, p, api.Parts())
		}
	}
	return a.validateCommands()
}

// CommandName is the binary's name in help and messages.
func (a *App) CommandName() string {
	if a.Command == "" {
		return a.Name
	}
	return a.Command
}

// Owner is the role of a tenant's first user.
func (a *App) Owner() string {
	if a.OwnerRole == "" {
		return auth.RoleOwner
	}
	return a.OwnerRole
}

// Member is the role of users who join an existing tenant.
func (a *App) Member() string {
	if a.MemberRole == "" {
		return auth.RoleMember
	}
	return a.MemberRole
}

// Policy returns the application's role table: the built-in roles with
// Roles added, or Roles alone with ReplaceRoles.
func (a *App) Policy() (auth.Policy, error) {
	base := auth.DefaultPolicy
	if a.ReplaceRoles {
		base = auth.Policy{}
	}
	out := base
	for _, role := range a.Roles.Roles() {
		if !namePattern.MatchString(role) || len(role) > 32 {
			return nil, fmt.Errorf("app %s: role %q must be lower-case letters, digits and _ (at most 32), starting with a letter", a.Name, role)
		}
		if base.Has(role) {
			return nil, fmt.Errorf("app %s: role %q clashes with Tenantry's built-in role of that name: choose another name, or set ReplaceRoles to declare the whole role table", a.Name, role)
		}
		out = out.With(role, a.Roles[role]...)
	}
	if !out.Has(a.Member()) {
		return nil, fmt.Errorf("app %s: MemberRole %q is not a declared role (roles: %v)", a.Name, a.Member(), out.Roles())
	}
	owner := a.Owner()
	if !out.Has(owner) {
		return nil, fmt.Errorf("app %s: OwnerRole %q is not a declared role (roles: %v)", a.Name, owner, out.Roles())
	}
	for _, perm := range auth.DefaultPolicy[auth.RoleOwner] {
		if isBuiltinPermission(perm) && !out.Allows(owner, perm) {
			return nil, fmt.Errorf("app %s: OwnerRole %q lacks %s: a tenant's first user must be able to manage its users", a.Name, owner, perm)
		}
	}
	return out, nil
}

// isBuiltinPermission reports whether perm guards one of Tenantry's own
// endpoints (users, owners, audit, profile), which an owner role needs.
func isBuiltinPermission(perm auth.Permission) bool {
	switch perm {
	case auth.UsersRead, auth.UsersManage, auth.OwnersManage, auth.AuditRead, auth.ProfileRead:
		return true
	}
	return false
}
