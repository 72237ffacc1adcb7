// Package limits gives each tenant a plan: the limits and features it may
// use, and enforces them so that one tenant's heavy use cannot degrade the
// service of the others.
//
// A Plan (public.plans) names a request rate and burst for the tenant and
// for each of its users, a cap on the tenant's concurrent database
// transactions and running jobs, a statement_timeout, a maximum number of
// users, application-defined quotas (rows, storage, anything counted) and
// feature flags. Every tenant names its plan; "free" is the default plan,
// and a tenant naming a plan that does not exist is served with it. A
// tenant's own features (public.tenants.features) override its plan's.
//
// Applications read a tenant's effective limits with Plans.For:
//
//	l, err := plans.For(ctx, t)
//	if l.Feature("exports") { ... }
//	if max, ok := l.Quota("items"); ok && count >= max { ... }
//
// Enforcement, each part wired by the server:
//   - RateLimiter: a token bucket per tenant and per user within it; over
//     the limit a request gets 429 with Retry-After and the IETF RateLimit
//     and RateLimit-Policy headers (Middleware).
//   - Gate: a per-tenant cap on concurrent transactions in front of the
//     pool (tenantdb.Config.Limiter), and the plan's statement_timeout,
//     set transaction-locally in the same round trip as the tenant binding.
//   - JobGate: a per-tenant cap on running jobs (jobs.Config.Limiter).
//   - Maximum users: enforced in the database, in the transaction that adds
//     the user (public.tenantry_admit_user, called by auth.CreateUser).
//
// Rates and caps are per server instance: see Config.Instances.
//
// Top folds pg_stat_statements by tenant role into per-tenant figures, and
// StatsCollector exports them to Prometheus with a bounded tenant label.
package limits
