package localpg

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// stopTimeout is how long Stop waits for a fast shutdown before killing.
const stopTimeout = 10 * time.Second

// Stop shuts the server down: a fast shutdown (SIGINT, which disconnects
// clients), then after 10 seconds SIGKILL to the server's process group. It
// returns once the server has exited and its temporary socket directory is
// gone. Stop is idempotent and safe to call concurrently, for example from a
// signal handler goroutine; every call returns the first call's result. It
// does not report how the server exited: see Err.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		c.stopErr = errors.Join(c.shutdown(), c.removeSocketDir())
	})
	return c.stopErr
}

// shutdown signals the server and waits for Done.
func (c *Cluster) shutdown() error {
	select {
	case <-c.done:
		return nil
	default:
	}
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("localpg: stop postgres (pid %d): %w", c.pid, err)
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-c.done:
		c.logger.Info("postgres stopped", "dir", c.dir, "pid", c.pid)
		return nil
	case <-timer.C:
	}
	c.logger.Warn("postgres did not shut down in time; killing it", "dir", c.dir, "pid", c.pid, "timeout", stopTimeout)
	if err := syscall.Kill(-c.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("localpg: kill postgres (pid %d): %w", c.pid, err)
	}
	<-c.done
	return nil
}

// removeSocketDir removes the socket directory if Start made it.
func (c *Cluster) removeSocketDir() error {
	if !c.tempSocketDir {
		return nil
	}
	if err := os.RemoveAll(c.socketDir); err != nil {
		return fmt.Errorf("localpg: remove socket directory: %w", err)
	}
	return nil
}
