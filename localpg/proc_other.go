//go:build unix && !linux

package localpg

import "syscall"

// serverProcAttr runs the server as a, in its own process group so that a
// Ctrl-C meant for this program does not reach it before Stop does. Outside
// Linux there is no parent-death signal: a server whose parent was killed
// keeps running until stopped by hand.
func serverProcAttr(a account) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: a.Credential(), Setpgid: true}
}
