package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/internal/pgerr"
)

func (a *app) operatorCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "operator",
		Short: "Create and list platform operators",
		Long: `Platform operators manage tenants through the platform API on the base domain
(/api/platform/): they log in at POST /api/platform/token and create, list,
suspend, activate and delete tenants. Their accounts live in the public
schema and belong to no tenant.`,
	}
	cmd.AddCommand(a.operatorCreateCommand(), a.operatorListCommand())
	for _, c := range cmd.Commands() {
		c.Args = wrapArgs(c.Args)
	}
	return cmd
}

func (a *app) operatorCreateCommand() *cobra.Command {
	var op auth.NewOperator
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create --username U --email E [--password P]",
		Short: "Create a platform operator",
		Long: `Create a platform operator. Usernames and emails are unique without regard to
case. Without --password the password is asked for on the terminal; it must
be at least 8 characters long.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if op.Username == "" || op.Email == "" {
				return usagef("--username and --email are required")
			}
			var err error
			if op.Password, err = a.newPassword(op.Password, "--password", "Operator password: "); err != nil {
				return err
			}
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			o, err := auth.CreateOperator(cmd.Context(), d.pool, op)
			if err != nil {
				return operatorError(err)
			}
			if asJSON {
				return writeJSON(a.stdout, o)
			}
			fmt.Fprintf(a.stdout, "operator %s created (%s)\n", o.Username, o.Email)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&op.Username, "username", "", "the operator's username (required)")
	f.StringVar(&op.Email, "email", "", "the operator's email (required)")
	f.StringVar(&op.Password, "password", "", "the operator's password (asked for when omitted)")
	f.BoolVar(&asJSON, "json", false, "print the operator as JSON")
	return cmd
}

func (a *app) operatorListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "List every platform operator",
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			ops, err := auth.ListOperators(cmd.Context(), d.pool)
			if err != nil {
				return operatorError(err)
			}
			if asJSON {
				return writeJSON(a.stdout, append([]auth.Operator{}, ops...))
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "USERNAME\tEMAIL\tACTIVE\tCREATED")
			for _, o := range ops {
				fmt.Fprintf(tw, "%s\t%s\t%t\t%s\n", o.Username, o.Email, o.IsActive, o.CreatedAt.Format("2006-01-02 15:04"))
			}
			tw.Flush()
			fmt.Fprintln(a.stdout, plural(len(ops), "operator"))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// operatorError marks the errors that are the user's to fix as usage
// errors, and explains a database without the operators table.
func operatorError(err error) error {
	switch {
	case tenantry.IsValidation(err), errors.Is(err, auth.ErrOperatorExists):
		return &usageError{err}
	case pgerr.Code(err) == undefinedTable:
		return fmt.Errorf("the database has no operators table: run \"tenantry migrate\" first (%w)", err)
	}
	return err
}

// undefinedTable is PostgreSQL's SQLSTATE for a missing relation.
const undefinedTable = "42P01"
