package lms

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/tenantry/tenantry/app"
	"github.com/tenantry/tenantry/fleet"
)

// Commands are the application's own commands, each run per selected
// schema: lms run -ds overdue-report, lms run -s acme loaddata FILE.
func Commands() []app.Command {
	return []app.Command{
		{Name: "overdue-report", Usage: "[--as-of YYYY-MM-DD]", Schema: withTables(overdueReport),
			Short: "List the disbursed loans in arrears, worst first"},
		{Name: "loaddata", Usage: "FILE", Schema: withTables(loadData),
			Short: "Add the borrowers of a JSON file (an array of {name, email, phone, national_id}), skipping those already there"},
	}
}

// flags is a command's flag set, reporting to w.
func flags(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}

// withTables runs fn in the schemas that hold the application's tables:
// tenants' and static ones. public holds none; it is skipped with a note,
// so that -as selects every schema without failing.
func withTables(fn func(ctx context.Context, s *app.Scope, args []string) error) func(ctx context.Context, s *app.Scope, args []string) error {
	return func(ctx context.Context, s *app.Scope, args []string) error {
		if s.Schema.Kind == fleet.KindPublic {
			fmt.Fprintf(s.Env.Stdout, "%s  skipped: the loan tables live in tenant and static schemas\n", s.Schema.Name)
			return nil
		}
		return fn(ctx, s, args)
	}
}
