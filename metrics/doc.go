// Package metrics exposes a Tenantry server's figures in the Prometheus
// text format: HTTP requests by route pattern, status class and tenant,
// their latency, the database pools by purpose, the job queue by kind and
// state, the registry cache, the fleet's schemas by state and the spare
// pool's level.
//
// New builds the metrics from a Config naming what to watch; Middleware
// counts requests, Route records the route pattern a net/http.ServeMux
// matched (wrap each mux with it), and Handler serves the exposition.
//
// The tenant label is bounded: the Config.Tenants busiest tenants (20 by
// default) keep their slug, every other tenant is counted as "other" and
// requests without a tenant (the platform's own site, unknown hosts) as
// "none". The busiest are ranked from a fixed-size summary of recent
// traffic (the space-saving algorithm), re-ranked every
// Config.RankInterval; a tenant that drops out of the top has its series
// deleted, so at any time the label has at most Tenants+2 values whatever
// the number of tenants.
package metrics
