package cli

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/internal/pgbreaker"
)

// backOffWhenDown puts a circuit breaker in front of the pool's new
// connections: while the database is down or restarting, requests fail at
// once (503 with Retry-After at the HTTP boundary) instead of each dialling,
// a probe reconnects at most about once a second, and the outage is logged
// to log once, with a summary every ten seconds, not once per request.
func backOffWhenDown(cfg *pgxpool.Config, log *slog.Logger) {
	pgbreaker.New(&pgbreaker.Config{Logger: log}).Install(cfg.ConnConfig)
}
