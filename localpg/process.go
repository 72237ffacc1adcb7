package localpg

import (
	"fmt"
	"maps"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"time"
)

// serverArgs are the postgres command-line arguments: localpg's settings
// first, so that the caller's, which follow in name order, override them.
func serverArgs(dataDir, socketDir, port string, settings map[string]string) []string {
	args := []string{"-D", dataDir, "-k", socketDir,
		"-c", "listen_addresses=", "-c", "port=" + port,
		"-c", "fsync=off", "-c", "unix_socket_permissions=0777"}
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		args = append(args, "-c", name+"="+settings[name])
	}
	return args
}

// launch starts postgres and returns once it runs (not yet accepting
// connections).
func (c *Cluster) launch(o options, dataDir string, a account) error {
	cmd := exec.Command(filepath.Join(o.BinDir, "postgres"), serverArgs(dataDir, c.socketDir, c.port, o.Settings)...)
	cmd.Dir = o.Dir // postgres needs a working directory it can read
	cmd.Stdout, cmd.Stderr = c.log, c.log
	cmd.SysProcAttr = serverProcAttr(a)
	cmd.WaitDelay = 5 * time.Second // bounds Wait if a stray child holds the output pipe
	c.cmd = cmd
	started := make(chan error, 1)
	go c.run(started)
	if err := <-started; err != nil {
		return fmt.Errorf("localpg: start %s: %w", cmd.Path, err)
	}
	return nil
}

// run starts the server, reports on started, and waits for it to exit. It
// keeps its goroutine on one OS thread for the server's whole life and never
// unlocks it, because Linux sends the parent-death signal when the thread
// that started the child exits, not the process: an unlocked goroutine could
// start the server on a thread the Go runtime later retires.
func (c *Cluster) run(started chan<- error) {
	runtime.LockOSThread()
	if err := c.cmd.Start(); err != nil {
		c.finish(err)
		started <- err
		return
	}
	c.pid = c.cmd.Process.Pid
	started <- nil
	err := c.cmd.Wait()
	if err != nil {
		err = fmt.Errorf("postgres (pid %d) exited: %w", c.pid, err)
	}
	c.finish(err)
}

// finish records how the server ended and closes Done.
func (c *Cluster) finish(err error) {
	if closeErr := c.closeLog(); closeErr != nil {
		c.logger.Warn("close postgres server log", "error", closeErr)
	}
	c.exitErr = err
	close(c.done)
}

// Done returns a channel that is closed when the server process has exited,
// whether through Stop or on its own.
func (c *Cluster) Done() <-chan struct{} {
	return c.done
}

// Err returns nil while the server runs. After Done is closed it returns why
// the server exited: an error wrapping its exit status or signal, or nil
// after a clean exit, such as a shutdown by Stop.
func (c *Cluster) Err() error {
	select {
	case <-c.done:
		return c.exitErr
	default:
		return nil
	}
}
