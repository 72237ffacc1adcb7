package limits

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Channel is the NOTIFY channel on which plan changes are announced.
const Channel = "tenantry_plans"

// Listen receives plan notifications on a session connection of its own
// made from connString (a direct connection: LISTEN cannot work through a
// transaction-mode pooler) and invalidates the copy of the plans on each.
// It reconnects with backoff after errors, invalidates on each
// (re)connection and disconnection, since notifications may have been
// missed (until it reconnects, plans are read again every FallbackTTL),
// and returns when ctx ends.
func (p *Plans) Listen(ctx context.Context, connString string) error {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return fmt.Errorf("plans listener: %w", err)
	}
	const firstBackoff = 100 * time.Millisecond
	backoff := firstBackoff
	for ctx.Err() == nil {
		err := p.listenOnce(ctx, cfg)
		if p.listening.Swap(false) {
			p.Invalidate()
			backoff = firstBackoff
		}
		if ctx.Err() != nil {
			break
		}
		p.cfg.Logger.Warn("plans listener disconnected; retrying", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
	return nil
}

func (p *Plans) listenOnce(ctx context.Context, cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	p.listening.Store(true)
	p.Invalidate()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		p.Invalidate()
	}
}

// Listening reports whether the listener is connected.
func (p *Plans) Listening() bool { return p.listening.Load() }
