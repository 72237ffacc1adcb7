package tenantry

import "context"

type tenantKey struct{}

// WithTenant returns a copy of ctx that carries t.
func WithTenant(ctx context.Context, t *Tenant) context.Context {
	return context.WithValue(ctx, tenantKey{}, t)
}

// FromContext returns the tenant carried by ctx, if any.
func FromContext(ctx context.Context) (*Tenant, bool) {
	t, ok := ctx.Value(tenantKey{}).(*Tenant)
	return t, ok && t != nil
}

// Require returns the tenant carried by ctx, or ErrNoTenant.
func Require(ctx context.Context) (*Tenant, error) {
	if t, ok := FromContext(ctx); ok {
		return t, nil
	}
	return nil, ErrNoTenant
}
