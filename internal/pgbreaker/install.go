package pgbreaker

import (
	"context"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
)

// Install puts b in front of every connection made from cfg, which must
// come from pgx.ParseConfig or pgxpool.ParseConfig (for a pool, pass its
// ConnConfig before creating the pool). It wraps cfg's LookupFunc and
// DialFunc, and adds a connect tracer to cfg.Tracer, keeping any tracer
// already there.
func (b *Breaker) Install(cfg *pgx.ConnConfig) {
	lookup, dial := cfg.LookupFunc, cfg.DialFunc
	cfg.LookupFunc = func(ctx context.Context, host string) ([]string, error) {
		if err := b.admit(attemptOf(ctx)); err != nil {
			return nil, err
		}
		return lookup(ctx, host)
	}
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if err := b.admit(attemptOf(ctx)); err != nil {
			return nil, err
		}
		return dial(ctx, network, addr)
	}
	t := tracer{b}
	if cfg.Tracer == nil {
		cfg.Tracer = t
	} else {
		cfg.Tracer = multitracer.New(t, cfg.Tracer)
	}
}

// attempt is one connection attempt (pgx.ConnectConfig), which may look up
// and dial several hosts. It travels in the attempt's context.
type attempt struct {
	admitted bool
	refused  bool
	probe    bool
	probeGen uint64
}

type attemptKey struct{}

func attemptOf(ctx context.Context) *attempt {
	a, _ := ctx.Value(attemptKey{}).(*attempt)
	return a
}

// tracer marks each connection attempt's start and reports its end to the
// breaker. Its query hooks do nothing.
type tracer struct{ b *Breaker }

func (t tracer) TraceConnectStart(ctx context.Context, _ pgx.TraceConnectStartData) context.Context {
	return context.WithValue(ctx, attemptKey{}, &attempt{})
}

func (t tracer) TraceConnectEnd(ctx context.Context, data pgx.TraceConnectEndData) {
	if a := attemptOf(ctx); a != nil && a.admitted {
		t.b.finish(a, data.Err)
	}
}

func (tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
