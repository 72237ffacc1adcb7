package cli

import (
	"io"
	"log/slog"
	"strings"
)

// serverLogger is the JSON logger of the server commands, on stderr, at the
// level TENANTRY_LOG_LEVEL names (debug, info, warn, error; default info).
func (a *app) serverLogger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.TrimSpace(a.getenv("TENANTRY_LOG_LEVEL")))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: level}))
}

// quietLogger is for the operator commands, which report through their own
// output rather than log lines.
func (a *app) quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
