package localpg

import "syscall"

// serverProcAttr runs the server as a, in its own process group so that a
// Ctrl-C meant for this program does not reach it before Stop does, and asks
// the kernel for a fast shutdown (SIGINT) if the thread that started it
// dies; see Cluster.run for how that thread is kept alive.
func serverProcAttr(a account) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: a.Credential(), Setpgid: true, Pdeathsig: syscall.SIGINT}
}
