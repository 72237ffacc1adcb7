package pgbouncer

import (
	"fmt"

	"github.com/tenantry/tenantry/internal/osaccount"
)

// runUserName is the account pgbouncer runs as when this process is root:
// pgbouncer refuses to run as root, and the postgres package that the
// server needs creates this user.
const runUserName = "postgres"

// account is the operating-system user pgbouncer runs as.
type account struct{ osaccount.Account }

// runAccount returns the current user, or the postgres user when the
// current user is root.
func runAccount() (account, error) {
	a, err := osaccount.Unprivileged(runUserName, "pgbouncer")
	if err != nil {
		return account{}, fmt.Errorf("pgbouncer: %w", err)
	}
	return account{a}, nil
}

// own hands dir and the files in it to a, when a is another user.
func (a account) own(dir string) error {
	if err := a.Own(dir); err != nil {
		return fmt.Errorf("pgbouncer: %w", err)
	}
	return nil
}
