// Package osaccount is the operating-system user that the private
// PostgreSQL and PgBouncer run as: both refuse to run as root, so when this
// process is root their children run as an unprivileged user instead.
package osaccount

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// Account is the user children run as.
type Account struct {
	Name   string
	UID    int
	GID    int
	Groups []int // supplementary group ids
	// Switch is true when children run as UID/GID rather than as this
	// process (this process is root).
	Switch bool
}

// Unprivileged returns the current user, or, when this process is root,
// the user called name, for running program, which refuses to run as root.
func Unprivileged(name, program string) (Account, error) {
	if os.Geteuid() != 0 {
		return Account{Name: "current user", UID: os.Geteuid(), GID: os.Getegid()}, nil
	}
	u, err := user.Lookup(name)
	var unknown user.UnknownUserError
	if errors.As(err, &unknown) {
		return Account{}, fmt.Errorf("%s refuses to run as root and there is no %q user to run it as: create an unprivileged user named %s (useradd --system %s) or run as a non-root user", program, name, name, name)
	}
	if err != nil {
		return Account{}, fmt.Errorf("look up user %s: %w", name, err)
	}
	a := Account{Name: u.Username, Switch: true}
	if a.UID, err = strconv.Atoi(u.Uid); err != nil {
		return Account{}, fmt.Errorf("user %s: uid %q: %w", u.Username, u.Uid, err)
	}
	if a.GID, err = strconv.Atoi(u.Gid); err != nil {
		return Account{}, fmt.Errorf("user %s: gid %q: %w", u.Username, u.Gid, err)
	}
	ids, err := u.GroupIds()
	if err != nil {
		return Account{}, fmt.Errorf("groups of user %s: %w", u.Username, err)
	}
	for _, id := range ids {
		if gid, err := strconv.Atoi(id); err == nil {
			a.Groups = append(a.Groups, gid)
		}
	}
	return a, nil
}

// Credential is what exec uses to run a child as a, or nil to run it as
// this process.
func (a Account) Credential() *syscall.Credential {
	if !a.Switch {
		return nil
	}
	return &syscall.Credential{Uid: uint32(a.UID), Gid: uint32(a.GID)}
}

// Own hands path, and everything below it, to a. It does nothing unless a
// is another user.
func (a Account) Own(path string) error {
	if !a.Switch {
		return nil
	}
	err := filepath.WalkDir(path, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, a.UID, a.GID)
	})
	if err != nil {
		return fmt.Errorf("give %s to user %s: %w", path, a.Name, err)
	}
	return nil
}
