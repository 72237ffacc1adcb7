package cli

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/domains"
)

func (a *app) domainCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "domain",
		Short: "Add, list, verify, make primary and remove the domains of a tenant",
		Long: `Manage the domains of a tenant (its slug, schema name or one of its domains).
A subdomain of TENANTRY_BASE_DOMAIN is ready at once. Any other domain is
pending, and routes nowhere, until its owner proves control: a DNS TXT record
_tenantry.<domain> holding the domain's token, or the file
http://<domain>/.well-known/tenantry/<token> holding it (pointing the domain
at this server serves that file). Background jobs check pending domains with
backoff; "domain verify" checks at once. TENANTRY_DNS_RESOLVER (host:port)
chooses the DNS server checks ask. The primary domain is what links and
mails to the tenant use.`,
	}
	cmd.AddCommand(a.domainAddCommand(), a.domainListCommand(), a.domainPrimaryCommand(),
		a.domainRemoveCommand(), a.domainVerifyCommand())
	for _, c := range cmd.Commands() {
		c.Args = wrapArgs(c.Args)
	}
	return cmd
}

func (a *app) domainAddCommand() *cobra.Command {
	var primary bool
	cmd := &cobra.Command{
		Use:   "add TENANT DOMAIN [--primary]",
		Short: "Give a tenant a domain (a custom one is pending until verified)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			dom, err := d.domains.Add(cmd.Context(), args[0], args[1], &domains.AddOptions{Primary: primary})
			if err != nil {
				return domainError(err)
			}
			a.printAdded(dom, primary)
			return nil
		},
	}
	cmd.Flags().BoolVar(&primary, "primary", false, "make it the primary domain (once verified, for a custom domain)")
	return cmd
}

// printAdded tells what was added and, for a pending domain, how to prove
// control of it.
func (a *app) printAdded(d *domains.Domain, primary bool) {
	if d.Status == domains.StatusVerified {
		fmt.Fprintf(a.stdout, "domain %s added: verified%s\n", d.Name, map[bool]string{true: ", primary"}[d.Primary])
		return
	}
	fmt.Fprintf(a.stdout, "domain %s added: pending until its owner proves control, by either\n", d.Name)
	fmt.Fprintf(a.stdout, "  a DNS TXT record  %s  with the value  %s\n", d.TXTName(), d.Token)
	fmt.Fprintf(a.stdout, "  the file          http://%s%s  holding  %s  (or point the domain at this server)\n",
		d.Name, d.FilePath(), d.Token)
	if primary {
		fmt.Fprintln(a.stdout, "it becomes the primary domain once verified")
	}
}

func (a *app) domainListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list TENANT [--json]",
		Short: "List a tenant's domains: primary first, then verified, then pending",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			list, err := d.domains.List(cmd.Context(), args[0])
			if err != nil {
				return domainError(err)
			}
			if asJSON {
				if list == nil {
					list = []*domains.Domain{}
				}
				return writeJSON(a.stdout, list)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DOMAIN\tSTATUS\tPRIMARY\tVERIFIED BY\tTOKEN\tLAST ERROR")
			for _, x := range list {
				name := x.Name
				if x.Unicode != x.Name {
					name += " (" + x.Unicode + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, x.Status, map[bool]string{true: "yes"}[x.Primary],
					x.VerifiedBy, x.Token, x.LastError)
			}
			tw.Flush()
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func (a *app) domainPrimaryCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "primary TENANT DOMAIN",
		Short: "Make a verified domain the tenant's primary one (links and mails use it)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			dom, err := d.domains.SetPrimary(cmd.Context(), args[0], args[1])
			if err != nil {
				return domainError(err)
			}
			fmt.Fprintf(a.stdout, "domain %s is the primary domain\n", dom.Name)
			return nil
		},
	}
}

func (a *app) domainRemoveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "remove TENANT DOMAIN",
		Short: "Take a domain from a tenant: it stops routing at once",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			if err := d.domains.Remove(cmd.Context(), args[0], args[1]); err != nil {
				return domainError(err)
			}
			fmt.Fprintf(a.stdout, "domain %s removed\n", strings.ToLower(strings.TrimSpace(args[1])))
			return nil
		},
	}
}

func (a *app) domainVerifyCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "verify TENANT DOMAIN",
		Short: "Check now whether a pending domain's owner proved control of it",
		Long: `Check now whether a pending domain's owner proved control of it (DNS TXT
record, then HTTP file). Exit status 0 when the domain is verified, 1 when
the check failed (it says what each way found; background checks go on).`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			dom, err := d.domains.Verify(cmd.Context(), args[0], args[1])
			if _, failed := errors.AsType[*domains.CheckError](err); failed {
				return err
			}
			if err != nil {
				return domainError(err)
			}
			fmt.Fprintf(a.stdout, "domain %s is verified (by %s)\n", dom.Name, dom.VerifiedBy)
			return nil
		},
	}
}

// domainError marks the errors that are the user's to fix as usage errors.
func domainError(err error) error {
	if errors.Is(err, domains.ErrNotFound) || errors.Is(err, domains.ErrNotVerified) || errors.Is(err, domains.ErrPrimary) {
		return &usageError{err}
	}
	return tenantError(err)
}
