package registry

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Channel is the NOTIFY channel on which registry changes are announced.
const Channel = "tenantry_registry"

// Listen receives registry notifications on a session connection of its own
// made from connString (a direct connection: LISTEN cannot work through a
// transaction-mode pooler), and drops the cache entries they name. It
// reconnects with backoff after errors, empties the cache on each
// (re)connection and on each disconnection since notifications may have been
// missed (until it reconnects, entries live FallbackTTL), and returns when
// ctx ends.
func (r *Registry) Listen(ctx context.Context, connString string) error {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return fmt.Errorf("registry listener: %w", err)
	}
	const firstBackoff = 100 * time.Millisecond
	backoff := firstBackoff
	for ctx.Err() == nil {
		err := r.listenOnce(ctx, cfg)
		if r.listening.Swap(false) {
			// Entries cached for the full TTL relied on notifications that
			// will now be missed; drop them (after clearing the flag, so that
			// no lookup stores one for the full TTL again).
			r.InvalidateAll()
			backoff = firstBackoff
		}
		if ctx.Err() != nil {
			break
		}
		r.cfg.Logger.Warn("registry listener disconnected; retrying", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
	return nil
}

// Listening reports whether the listener is connected, so that cached
// entries can live their full TTL.
func (r *Registry) Listening() bool { return r.listening.Load() }

func (r *Registry) listenOnce(ctx context.Context, cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	r.InvalidateAll()
	r.listening.Store(true)
	r.cfg.Logger.Debug("registry listener connected")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(n.Payload, 10, 64)
		if err != nil {
			r.InvalidateAll()
			continue
		}
		r.Invalidate(id)
	}
}
