package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/tenantdb"
)

// Command is one of the application's own commands.
type Command struct {
	// Name is the command's name: myapp NAME. Required; it must not be one
	// of Tenantry's commands.
	Name string
	// Usage is what follows the name in help, such as "FILE". Default none.
	Usage string
	// Short describes the command in one line. Required.
	Short string
	// Run runs the command once, against the whole database: myapp NAME
	// ARGS. Default nil: the command runs only per schema, through run.
	Run func(ctx context.Context, env *Env, args []string) error
	// Schema runs the command in one selected schema, in a transaction of
	// its own that commits when it returns nil: myapp run SELECTORS NAME
	// ARGS, as django-pgschemas' runschema. Default nil: the command does
	// not run per schema.
	Schema func(ctx context.Context, s *Scope, args []string) error
}

// Env is what a command gets: the application's database and the library's
// parts wired to it.
type Env struct {
	Pool        *pgxpool.Pool
	DB          *tenantdb.DB
	Registry    *registry.Registry
	Provisioner *provision.Provisioner
	Fleet       *fleet.Fleet
	Jobs        *jobs.Jobs
	Logger      *slog.Logger
	Stdout      io.Writer
	Stderr      io.Writer
}

// Scope is one schema a per-schema command runs in.
type Scope struct {
	// Schema is the schema's name and kind (static or dynamic).
	Schema fleet.Schema
	// Tenant is the schema's tenant, or nil for a static schema.
	Tenant *tenantry.Tenant
	// Tx is the schema's transaction: for a tenant, bound to it as a
	// request's is (search_path, role, tenant id); for a static schema,
	// with the schema first on the search_path.
	Tx pgx.Tx
	// Env is the command's environment.
	Env *Env
}

// builtinCommands are Tenantry's own command names, which an application
// cannot take.
var builtinCommands = []string{"dev", "serve", "worker", "migrate", "whowill", "exec", "tenant", "demo",
	"operator", "spares", "bench", "run", "help", "completion", "domain", "plan", "top", "version"}

func (a *App) validateCommands() error {
	seen := map[string]bool{}
	for _, c := range a.Commands {
		switch {
		case !namePattern.MatchString(c.Name) && !commandName.MatchString(c.Name):
			return fmt.Errorf("app %s: command %q: a name is lower-case letters, digits, - and _", a.Name, c.Name)
		case slices.Contains(builtinCommands, c.Name):
			return fmt.Errorf("app %s: command %q clashes with Tenantry's own command of that name", a.Name, c.Name)
		case seen[c.Name]:
			return fmt.Errorf("app %s: command %q is declared twice", a.Name, c.Name)
		case c.Run == nil && c.Schema == nil:
			return fmt.Errorf("app %s: command %q needs Run, Schema or both", a.Name, c.Name)
		case c.Short == "":
			return fmt.Errorf("app %s: command %q needs a Short description", a.Name, c.Name)
		}
		seen[c.Name] = true
	}
	return nil
}
