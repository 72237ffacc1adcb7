package lms

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/app"
)

// overdueReport prints, for one schema, the disbursed loans in arrears at
// --as-of (default now), worst first: the instalments due so far, the
// arrears and the outstanding balance, formatted in the tenant's locale.
func overdueReport(ctx context.Context, s *app.Scope, args []string) error {
	fs := flags("overdue-report", s.Env.Stderr)
	asOf := fs.String("as-of", "", "report as of this day (YYYY-MM-DD, end of day UTC); default now")
	if err := fs.Parse(args); err != nil {
		return err
	}
	at := time.Now()
	if *asOf != "" {
		day, err := time.Parse(time.DateOnly, *asOf)
		if err != nil {
			return fmt.Errorf("--as-of %q: want YYYY-MM-DD", *asOf)
		}
		at = day.Add(24*time.Hour - time.Microsecond)
	}
	rows, err := s.Tx.Query(ctx, overdueSQL, at)
	if err != nil {
		return fmt.Errorf("list overdue loans: %w", err)
	}
	m := moneyFor(s.Tenant)
	var r overdueLoan
	n := 0
	_, err = pgx.ForEachRow(rows, []any{&r.id, &r.name, &r.currency, &r.outstanding, &r.monthsDue, &r.term, &r.arrears}, func() error {
		n++
		fmt.Fprintf(s.Env.Stdout, "%s  loan %d  %s: %d of %d instalments due, arrears %s, outstanding %s\n",
			s.Schema.Name, r.id, r.name, r.monthsDue, r.term, m.display(r.arrears, r.currency), m.display(r.outstanding, r.currency))
		return nil
	})
	if err != nil {
		return fmt.Errorf("list overdue loans: %w", err)
	}
	fmt.Fprintf(s.Env.Stdout, "%s  %d loans in arrears\n", s.Schema.Name, n)
	return nil
}

// overdueLoan is a row of overdueSQL.
type overdueLoan struct {
	id                   int64
	name, currency       string
	outstanding, arrears int64
	monthsDue, term      int
}
