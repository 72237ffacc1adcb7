package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	appspec "github.com/tenantry/tenantry/app"
	"github.com/tenantry/tenantry/audit"
)

// Exit statuses.
const (
	ExitOK      = 0
	ExitFailure = 1 // the command ran and something failed (a schema, a tenant)
	ExitUsage   = 2 // the command line or its input was wrong
	// ExitInterrupted: migrate or exec stopped by SIGINT or SIGTERM before
	// every schema was done; nothing is half done, run it again to resume.
	ExitInterrupted = 130
)

// app is one invocation: the application it runs, its streams and the
// environment it reads.
type app struct {
	spec           *appspec.App
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	lookupEnv      func(string) (string, bool)
}

// Run is an application's main: it runs the command line of the process
// for spec and exits with its status.
//
//	func main() { cli.Run(myapp.App()) }
func Run(spec *appspec.App) {
	os.Exit(Main(spec, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Main runs spec's command with args (without the program name) and
// returns the process's exit status: every command of Tenantry's (dev,
// serve, migrate, tenant ...) working on spec's tables, and spec's own. A
// spec that does not validate is exit status 2 with a message naming the
// culprit. Errors are printed as one line, never as a stack trace. SIGINT
// and SIGTERM end the command's context.
func Main(spec *appspec.App, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if err := spec.Validate(); err != nil {
		fmt.Fprintln(stderr, spec.CommandName()+":", err)
		return ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return mainContext(ctx, spec, args, stdin, stdout, stderr)
}

// mainContext is Main with the context that stops the command.
func mainContext(ctx context.Context, spec *appspec.App, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{spec: spec, stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, lookupEnv: os.LookupEnv}
	ctx = audit.WithActor(ctx, audit.Actor{Kind: audit.ActorSystem, Name: "cli:" + osUser()})
	root := a.rootCommand()
	root.SetArgs(rewriteShortFlags(args))
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	// One line, whatever the error: pgx's connection errors span several.
	fmt.Fprintln(stderr, spec.CommandName()+":", strings.Join(strings.Fields(err.Error()), " "))
	var ue *usageError
	var ie *interruptedError
	switch {
	case errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command"):
		return ExitUsage
	case errors.As(err, &ie):
		return ExitInterrupted
	}
	return ExitFailure
}

// osUser names who runs the command, for the audit log.
func osUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// usageError marks an error in what the user asked for (exit status 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           a.spec.CommandName(),
		Short:         cmp.Or(a.spec.Short, "Schema-per-tenant multi-tenancy for Go on PostgreSQL"),
		Long:          strings.ReplaceAll(rootHelp, "tenantry ", a.spec.CommandName()+" "),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(a.devCommand(), a.serveCommand(), a.migrateCommand(), a.whowillCommand(),
		a.execCommand(), a.tenantCommand(), a.workerCommand(), a.operatorCommand(), a.demoCommand(), a.benchCommand())
	root.AddCommand(a.sparesCommand(), a.runCommand(), a.planCommand(), a.topCommand())
	root.AddCommand(a.domainCommand())
	root.AddCommand(a.appCommands()...)
	for _, c := range root.Commands() {
		c.Args = wrapArgs(c.Args)
	}
	refuseUnknownSubcommands(root)
	return root
}

// refuseUnknownSubcommands makes every command group below root (tenant,
// operator, bench) fail with a usage error on an unknown or missing
// subcommand: cobra would print the group's help and exit 0, and a typo
// such as "tenant delet acme" would look like success to a script.
func refuseUnknownSubcommands(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.HasSubCommands() && !c.Runnable() {
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return usagef("unknown command %q for %q (see %s --help)", args[0], cmd.CommandPath(), cmd.CommandPath())
				}
				return usagef("%s needs a subcommand (see %s --help)", cmd.CommandPath(), cmd.CommandPath())
			}
		}
		refuseUnknownSubcommands(c)
	}
}

// wrapArgs makes cobra's argument-count errors usage errors.
func wrapArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	if check == nil {
		check = cobra.NoArgs
	}
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &usageError{err}
		}
		return nil
	}
}

const rootHelp = `Tenantry gives each customer (tenant) its own PostgreSQL schema, routes each
request to its tenant by Host, and runs every tenant's work in an isolated
transaction under the tenant's own database role.

Start here:  tenantry dev     (a private PostgreSQL, demo tenants, server on :8000)

The database is DATABASE_URL; without it, commands use the cluster of a
running "tenantry dev" in this directory.`
