package pgbouncer

import "syscall"

// procAttr runs pgbouncer as a, in its own process group so that a Ctrl-C
// meant for this program does not reach it before Stop does, and asks the
// kernel for an immediate shutdown (SIGTERM) when the thread that started it
// dies; see Bouncer.run for how that thread is kept alive.
func procAttr(a account) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: a.Credential(), Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
