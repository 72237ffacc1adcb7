package pgbouncer

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// runUserName is the account pgbouncer runs as when this process is root:
// pgbouncer refuses to run as root, and the postgres package that the
// server needs creates this user.
const runUserName = "postgres"

// account is the operating-system user pgbouncer runs as.
type account struct {
	name       string
	uid, gid   int
	switchUser bool // the child runs as uid/gid rather than as this process
}

// runAccount returns the current user, or the postgres user when the
// current user is root.
func runAccount() (account, error) {
	if os.Geteuid() != 0 {
		return account{name: "current user"}, nil
	}
	u, err := user.Lookup(runUserName)
	var unknown user.UnknownUserError
	if errors.As(err, &unknown) {
		return account{}, fmt.Errorf("pgbouncer: it refuses to run as root and there is no %q user to run it as: create one (useradd --system %s) or run as a non-root user", runUserName, runUserName)
	}
	if err != nil {
		return account{}, fmt.Errorf("pgbouncer: look up user %s: %w", runUserName, err)
	}
	a := account{name: u.Username, switchUser: true}
	if a.uid, err = strconv.Atoi(u.Uid); err != nil {
		return account{}, fmt.Errorf("pgbouncer: user %s: uid %q: %w", u.Username, u.Uid, err)
	}
	if a.gid, err = strconv.Atoi(u.Gid); err != nil {
		return account{}, fmt.Errorf("pgbouncer: user %s: gid %q: %w", u.Username, u.Gid, err)
	}
	return a, nil
}

// credential is what exec uses to run the child as a, or nil to run it as
// this process.
func (a account) credential() *syscall.Credential {
	if !a.switchUser {
		return nil
	}
	return &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.gid)}
}

// own hands dir and the files in it to a, when a is another user.
func (a account) own(dir string) error {
	if !a.switchUser {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("pgbouncer: read %s: %w", dir, err)
	}
	paths := []string{dir}
	for _, e := range entries {
		paths = append(paths, filepath.Join(dir, e.Name()))
	}
	for _, p := range paths {
		if err := os.Lchown(p, a.uid, a.gid); err != nil {
			return fmt.Errorf("pgbouncer: give %s to user %s: %w", p, a.name, err)
		}
	}
	return nil
}
