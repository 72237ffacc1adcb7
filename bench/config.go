package bench

import (
	"errors"
	"io"
	"log/slog"
	"os"
)

// DefaultTables is the number of tables of the synthetic application, the
// size of the peer's benchmark (40 models).
const DefaultTables = 40

// Config adjusts a benchmark run. A nil *Config is not allowed: AdminURL is
// required.
type Config struct {
	// AdminURL is the URL of a maintenance database (such as postgres) on
	// the server, with rights to create databases and roles. Required.
	AdminURL string
	// Out receives the figures. Default os.Stdout.
	Out io.Writer
	// Tables is the number of tables of the synthetic application, on top
	// of the reference tenant set. Default DefaultTables (40).
	Tables int
	// Keep leaves the benchmark database and its roles in place, for a
	// look at them afterwards; its URL is printed. Default false.
	Keep bool
	// Logger receives progress lines (setup, clean-up). Default: discard.
	Logger *slog.Logger
}

// withDefaults returns a copy of cfg with defaults filled in, or an error
// naming the field that is wrong.
func (cfg *Config) withDefaults() (Config, error) {
	if cfg == nil || cfg.AdminURL == "" {
		return Config{}, errors.New("bench: Config.AdminURL is required")
	}
	c := *cfg
	if c.Out == nil {
		c.Out = os.Stdout
	}
	if c.Tables == 0 {
		c.Tables = DefaultTables
	}
	if c.Tables < 1 || c.Tables > 999 {
		return Config{}, errors.New("bench: Config.Tables must be from 1 to 999")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c, nil
}
