package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"

	"github.com/jackc/pgx/v5"
)

// Environment is what a benchmark's figures depend on besides the code:
// the machine's cores and the server's version and settings that matter.
// Every benchmark prints it before its figures and puts it in its JSON.
type Environment struct {
	Cores                  int    `json:"cores"`      // logical CPUs of this machine
	GoMaxProcs             int    `json:"gomaxprocs"` // of this process
	Server                 string `json:"server"`     // "private cluster" or "DATABASE_URL"
	PostgreSQL             string `json:"postgresql"` // server_version
	Fsync                  string `json:"fsync"`
	SynchronousCommit      string `json:"synchronous_commit"`
	SharedBuffers          string `json:"shared_buffers"`
	MaxConnections         string `json:"max_connections"`
	MaxLocksPerTransaction string `json:"max_locks_per_transaction"`
}

// environmentSQL reads the settings of Environment in one row.
const environmentSQL = `SELECT current_setting('server_version'), current_setting('fsync'),
	current_setting('synchronous_commit'), current_setting('shared_buffers'),
	current_setting('max_connections'), current_setting('max_locks_per_transaction')`

// ReadEnvironment connects to url and returns the environment of a run on
// that server; server says how it was reached (printed as is).
func ReadEnvironment(ctx context.Context, url, server string) (Environment, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return Environment{}, fmt.Errorf("bench: connect to read the server's settings: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	e := Environment{Cores: runtime.NumCPU(), GoMaxProcs: runtime.GOMAXPROCS(0), Server: server}
	err = conn.QueryRow(ctx, environmentSQL).Scan(&e.PostgreSQL, &e.Fsync, &e.SynchronousCommit,
		&e.SharedBuffers, &e.MaxConnections, &e.MaxLocksPerTransaction)
	if err != nil {
		return Environment{}, fmt.Errorf("bench: read the server's settings: %w", err)
	}
	return e, nil
}

// Durable reports whether commits wait for the disk: fsync on and
// synchronous_commit not off. Figures measured otherwise are not what a
// production server sees.
func (e Environment) Durable() bool { return e.Fsync == "on" && e.SynchronousCommit != "off" }

// Print writes the environment as two lines, saying plainly when the
// figures that follow are not durable ones.
func (e Environment) Print(out io.Writer) {
	fmt.Fprintf(out, "environment: %d cores (GOMAXPROCS %d), PostgreSQL %s (%s), shared_buffers=%s, max_connections=%s, max_locks_per_transaction=%s\n",
		e.Cores, e.GoMaxProcs, e.PostgreSQL, e.Server, e.SharedBuffers, e.MaxConnections, e.MaxLocksPerTransaction)
	note := "durable commits, as in production"
	if !e.Durable() {
		note = "NOT DURABLE: commits do not wait for the disk, figures are better than production's"
	}
	fmt.Fprintf(out, "             fsync=%s, synchronous_commit=%s: %s\n", e.Fsync, e.SynchronousCommit, note)
}
