package pgbouncer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
)

// upTimeout bounds the wait for PgBouncer to listen.
const upTimeout = 10 * time.Second

// errPortTaken is the cause of a start that lost its port to another
// process.
var errPortTaken = errors.New("the chosen port was taken")

// commandRun is one pgbouncer process.
type commandRun struct {
	cmd     *exec.Cmd
	log     *bouncerLog
	pid     int
	stopped atomic.Bool // stop signalled it: its exit status is expected
	done    chan struct{}
	exitErr error // written before done is closed
}

// launch starts pgbouncer on iniPath as a and returns once it runs (not yet
// listening).
func launch(o options, a account, dir, iniPath string) (*commandRun, error) {
	log := newBouncerLog(o.Log)
	cmd := exec.Command(o.Binary, iniPath)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = procAttr(a)
	cmd.WaitDelay = 2 * time.Second // bounds Wait if a stray child holds the output pipe
	r := &commandRun{cmd: cmd, log: log, done: make(chan struct{})}
	started := make(chan error, 1)
	go r.run(started)
	if err := <-started; err != nil {
		return nil, fmt.Errorf("pgbouncer: start %s: %w", o.Binary, err)
	}
	return r, nil
}

// run starts pgbouncer, reports on started, and waits for it to exit. It
// keeps its goroutine on one OS thread for pgbouncer's whole life and never
// unlocks it, because Linux sends the parent-death signal when the thread
// that started the child exits, not the process.
func (r *commandRun) run(started chan<- error) {
	runtime.LockOSThread()
	if err := r.cmd.Start(); err != nil {
		r.exitErr = err
		close(r.done)
		started <- err
		return
	}
	r.pid = r.cmd.Process.Pid
	started <- nil
	if err := r.cmd.Wait(); err != nil && !r.stopped.Load() {
		r.exitErr = fmt.Errorf("pgbouncer (pid %d) exited: %w", r.pid, err)
	}
	close(r.done)
}

// waitUp returns once pgbouncer says it is up, or fails when it exits,
// ctx ends or upTimeout passes.
func (r *commandRun) waitUp(ctx context.Context) error {
	timer := time.NewTimer(upTimeout)
	defer timer.Stop()
	var err error
	select {
	case <-r.log.up:
		return nil
	case <-r.done:
		err = fmt.Errorf("exited during startup: %w", r.exitErr)
		if r.exitErr == nil {
			err = errors.New("exited during startup")
		}
		if r.log.contains("Address already in use") {
			err = fmt.Errorf("%w: %w", errPortTaken, err)
		}
	case <-ctx.Done():
		err = context.Cause(ctx)
	case <-timer.C:
		err = fmt.Errorf("not up within %s", upTimeout)
	}
	return fmt.Errorf("pgbouncer: start: %w\npgbouncer's log ends with:\n%s", err, r.log.lastLines(20))
}

// stop sends SIGTERM (immediate shutdown), then after timeout SIGKILL to
// pgbouncer's process group, and waits for it to exit.
func (r *commandRun) stop(timeout time.Duration) error {
	select {
	case <-r.done:
		return nil
	default:
	}
	r.stopped.Store(true)
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("pgbouncer: stop (pid %d): %w", r.pid, err)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-r.done:
		return nil
	case <-timer.C:
	}
	if err := syscall.Kill(-r.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("pgbouncer: kill (pid %d): %w", r.pid, err)
	}
	<-r.done
	return nil
}
