package cli

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/limits"
)

func (a *app) planCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Set, list and delete plans: the limits and features of tenants",
		Long: `A plan names limits and features: requests per second and burst for the tenant
and for each of its users, concurrent database transactions, statement_timeout,
maximum users, running jobs, the application's own quotas and feature flags.
Every tenant is on one plan (tenant plan T PLAN); "free" is the default plan.
Running servers apply a change within a second.`,
	}
	cmd.AddCommand(a.planSetCommand(), a.planListCommand(), a.planDeleteCommand())
	for _, c := range cmd.Commands() {
		c.Args = wrapArgs(c.Args)
	}
	return cmd
}

// planFlags are plan set's flags, as typed: each given one changes the
// plan, "none" removes the limit.
type planFlags struct {
	rate, burst, userRate, userBurst, transactions, timeout, users, jobs string
	features                                                             string
	quotas                                                               []string
}

func (a *app) planSetCommand() *cobra.Command {
	var fl planFlags
	cmd := &cobra.Command{
		Use:   "set NAME [--rate 10/s --burst 20 --statement-timeout 2s --max-users 5 --features a,b ...]",
		Short: "Create a plan or change its limits",
		Long: `Create a plan or change its limits. Only the limits given change; "none" removes
one (no limit). Rates are N/s, N/m or N/h; the timeout a duration (500ms, 2s).
--features replaces the plan's features (--features "" removes them all);
--quota NAME=N sets one of the application's quotas (NAME=none removes it).`,
		Example: `  tenantry plan set pro --rate 10/s --burst 20 --statement-timeout 2s --max-users 5 --features exports,sso
  tenantry plan set free --rate 2/s --max-transactions 2
  tenantry plan set pro --max-users none --quota items=10000`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			p, err := limits.GetPlan(cmd.Context(), d.pool, args[0])
			if errors.Is(err, limits.ErrPlanNotFound) {
				p, err = &limits.Plan{Name: args[0]}, nil
			}
			if err != nil {
				return err
			}
			if err := fl.apply(cmd.Flags(), p); err != nil {
				return &usageError{err}
			}
			saved, err := limits.SavePlan(cmd.Context(), d.pool, *p)
			if err != nil {
				return planError(err)
			}
			fmt.Fprintf(a.stdout, "plan %s: %s\n", saved.Name, describePlan(saved))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.rate, "rate", "", "the tenant's requests per second, minute or hour (10/s, 600/m)")
	f.StringVar(&fl.burst, "burst", "", "requests the tenant may send at once (default: the rate per second)")
	f.StringVar(&fl.userRate, "user-rate", "", "each user's requests per second, minute or hour")
	f.StringVar(&fl.userBurst, "user-burst", "", "requests each user may send at once")
	f.StringVar(&fl.transactions, "max-transactions", "", "the tenant's concurrent database transactions (per pool and server)")
	f.StringVar(&fl.timeout, "statement-timeout", "", "statement_timeout of the tenant's transactions (2s, 500ms)")
	f.StringVar(&fl.users, "max-users", "", "the tenant's users at most")
	f.StringVar(&fl.jobs, "max-jobs", "", "the tenant's jobs running at once (per worker process)")
	f.StringVar(&fl.features, "features", "", "the plan's features, comma-separated (replaces them)")
	f.StringArrayVar(&fl.quotas, "quota", nil, "an application quota NAME=N (repeatable; NAME=none removes it)")
	return cmd
}

// apply changes p by the flags that were given.
func (fl *planFlags) apply(f *pflag.FlagSet, p *limits.Plan) error {
	set := func(name string, fn func(string) error) error {
		if !f.Changed(name) {
			return nil
		}
		v, _ := f.GetString(name)
		return fn(strings.TrimSpace(v))
	}
	steps := []struct {
		flag string
		fn   func(string) error
	}{
		{"rate", rateSetter("rate", &p.Rate)},
		{"burst", countSetter("burst", &p.Burst, limits.MaxBurst)},
		{"user-rate", rateSetter("user_rate", &p.UserRate)},
		{"user-burst", countSetter("user_burst", &p.UserBurst, limits.MaxBurst)},
		{"max-transactions", countSetter("max_transactions", &p.MaxTransactions, limits.MaxTransactions)},
		{"max-users", countSetter("max_users", &p.MaxUsers, limits.MaxUsers)},
		{"max-jobs", countSetter("max_jobs", &p.MaxJobs, limits.MaxJobs)},
		{"statement-timeout", func(v string) error {
			if v == "none" {
				p.StatementTimeout = 0
				return nil
			}
			d, err := limits.ParseTimeout("--statement-timeout", v)
			p.StatementTimeout = d
			return err
		}},
		{"features", func(v string) error { p.Features = limits.FeatureSet(splitList(v)); return nil }},
	}
	for _, s := range steps {
		if err := set(s.flag, s.fn); err != nil {
			return err
		}
	}
	if f.Changed("rate") && fl.rate == "none" && !f.Changed("burst") {
		p.Burst = 0
	}
	if f.Changed("user-rate") && fl.userRate == "none" && !f.Changed("user-burst") {
		p.UserBurst = 0
	}
	return fl.applyQuotas(p)
}

func (fl *planFlags) applyQuotas(p *limits.Plan) error {
	for _, q := range fl.quotas {
		name, v, ok := strings.Cut(q, "=")
		if !ok {
			return fmt.Errorf("--quota %q: write NAME=N, as in items=1000", q)
		}
		if p.Quotas == nil {
			p.Quotas = map[string]int64{}
		}
		if v == "none" {
			delete(p.Quotas, name)
			continue
		}
		n, err := limits.ParseCount("quota "+name, v, 1<<62)
		if err != nil {
			return err
		}
		p.Quotas[name] = n
	}
	return nil
}

func rateSetter(field string, to *float64) func(string) error {
	return func(v string) error {
		if v == "none" {
			*to = 0
			return nil
		}
		r, err := limits.ParseRate(field, v)
		*to = r
		return err
	}
}

func countSetter(field string, to *int, hi int64) func(string) error {
	return func(v string) error {
		if v == "none" {
			*to = 0
			return nil
		}
		n, err := limits.ParseCount(field, v, hi)
		*to = int(n)
		return err
	}
}

// describePlan lists a plan's limits in one line.
func describePlan(p *limits.Plan) string {
	var parts []string
	add := func(cond bool, s string) {
		if cond {
			parts = append(parts, s)
		}
	}
	add(p.Rate > 0, fmt.Sprintf("rate %s burst %d", limits.FormatRate(p.Rate), p.Burst))
	add(p.UserRate > 0, fmt.Sprintf("user rate %s burst %d", limits.FormatRate(p.UserRate), p.UserBurst))
	add(p.MaxTransactions > 0, fmt.Sprintf("%d transactions", p.MaxTransactions))
	add(p.StatementTimeout > 0, "statement_timeout "+p.StatementTimeout.String())
	add(p.MaxUsers > 0, fmt.Sprintf("%d users", p.MaxUsers))
	add(p.MaxJobs > 0, fmt.Sprintf("%d jobs", p.MaxJobs))
	for _, q := range slices.Sorted(maps.Keys(p.Quotas)) {
		parts = append(parts, q+" "+strconv.FormatInt(p.Quotas[q], 10))
	}
	if f := p.View().Features; len(f) > 0 {
		parts = append(parts, "features "+strings.Join(f, ","))
	}
	if len(parts) == 0 {
		return "no limits"
	}
	return strings.Join(parts, ", ")
}

func (a *app) planListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "List every plan with its limits and how many tenants are on it",
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			ps, err := limits.ListPlans(cmd.Context(), d.pool)
			if err != nil {
				return err
			}
			if asJSON {
				views := make([]limits.PlanView, len(ps))
				for i, p := range ps {
					views[i] = p.View()
				}
				return writeJSON(a.stdout, views)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PLAN\tTENANTS\tLIMITS")
			for _, p := range ps {
				name := p.Name
				if name == limits.DefaultPlan {
					name += " (default)"
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\n", name, p.Tenants, describePlan(p))
			}
			tw.Flush()
			fmt.Fprintln(a.stdout, plural(len(ps), "plan"))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func (a *app) planDeleteCommand() *cobra.Command {
	var moveTo string
	cmd := &cobra.Command{
		Use:   "delete NAME [--move-to PLAN]",
		Short: "Delete a plan no tenant is on (or move its tenants first with --move-to)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			moved, err := limits.DeletePlan(cmd.Context(), d.pool, args[0], moveTo)
			if err != nil {
				return planError(err)
			}
			if moveTo != "" {
				fmt.Fprintf(a.stdout, "%s moved to plan %s\n", plural(moved, "tenant"), moveTo)
			}
			fmt.Fprintf(a.stdout, "plan %s deleted\n", args[0])
			return nil
		},
	}
	cmd.Flags().StringVar(&moveTo, "move-to", "", "move the plan's tenants to this plan first")
	return cmd
}

func (a *app) tenantPlanCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "plan TENANT PLAN",
		Short: "Put a tenant on a plan",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			t, err := limits.AssignPlan(cmd.Context(), d.pool, args[0], args[1])
			if err != nil {
				return planError(err)
			}
			fmt.Fprintf(a.stdout, "tenant %s is on plan %s\n", t.Slug, t.Plan)
			return nil
		},
	}
}

// planError marks the errors that are the user's to fix as usage errors.
func planError(err error) error {
	if errors.Is(err, limits.ErrPlanNotFound) || errors.Is(err, limits.ErrPlanInUse) ||
		errors.Is(err, limits.ErrDefaultPlan) || tenantry.IsValidation(err) {
		return &usageError{err}
	}
	return tenantError(err)
}

func (a *app) tenantFeaturesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "features TENANT NAME=on|off|default ...",
		Short: "Turn a tenant's features on or off, over its plan's (default: the plan decides)",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			changes, err := featureChanges(args[1:])
			if err != nil {
				return err
			}
			d, err := a.open(cmd.Context(), 2)
			if err != nil {
				return err
			}
			defer d.pool.Close()
			t, err := limits.SetTenantFeatures(cmd.Context(), d.pool, args[0], changes)
			if err != nil {
				return planError(err)
			}
			fmt.Fprintf(a.stdout, "tenant %s's own features: %s\n", t.Slug, string(t.Features))
			return nil
		},
	}
}

// featureChanges reads NAME=on|off|default arguments.
func featureChanges(args []string) (map[string]*bool, error) {
	on, off := true, false
	out := map[string]*bool{}
	for _, arg := range args {
		name, v, ok := strings.Cut(arg, "=")
		switch {
		case !ok:
			return nil, usagef("%q: write NAME=on, NAME=off or NAME=default", arg)
		case v == "on":
			out[name] = &on
		case v == "off":
			out[name] = &off
		case v == "default":
			out[name] = nil
		default:
			return nil, usagef("%q: the value must be on, off or default", arg)
		}
	}
	return out, nil
}
