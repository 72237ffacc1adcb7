//go:build unix && !linux

package pgbouncer

import "syscall"

// procAttr runs pgbouncer as a, in its own process group. Outside Linux
// there is no parent-death signal: a pgbouncer whose parent was killed
// keeps running until stopped by hand.
func procAttr(a account) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: a.Credential(), Setpgid: true}
}
