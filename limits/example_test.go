package limits_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/limits"
	"github.com/tenantry/tenantry/tenantdb"
)

func ExampleParseRate() {
	r, err := limits.ParseRate("rate", "600/m")
	fmt.Println(r, limits.FormatRate(r), err)
	_, err = limits.ParseRate("rate", "0/s")
	fmt.Println(err)
	// Output:
	// 10 10/s <nil>
	// invalid rate "0/s": must be more than zero (leave it out for no limit)
}

// An application reads a tenant's effective limits and features: its
// plan's, with the tenant's own features over them.
func ExamplePlans_For() {
	var pool *pgxpool.Pool // the application's pool
	var t *tenantry.Tenant // the request's tenant
	ctx := context.Background()
	plans := limits.NewPlans(pool, nil)
	go func() { _ = plans.Listen(ctx, "postgres://app@db/app") }() // a direct connection
	l, err := plans.For(ctx, t)
	if err != nil {
		return
	}
	if l.Feature("exports") {
		fmt.Println("exports are on")
	}
	if max, ok := l.Quota("items"); ok {
		fmt.Println("at most", max, "items")
	}
}

// The server's wiring: the gate in front of the pool for every tenant
// transaction, the rate limiter in front of every tenant endpoint.
func ExampleNewGate() {
	var pool *pgxpool.Pool
	var tenantRoutes http.Handler // behind tenanthttp.Middleware
	plans := limits.NewPlans(pool, nil)
	db := tenantdb.New(pool, &tenantdb.Config{
		Limiter: limits.NewGate(plans, &limits.GateConfig{Share: 5}), // at most 5 of the pool's connections per tenant
	})
	rl := limits.NewRateLimiter(plans, &limits.RateConfig{Instances: 2})
	handler := rl.Middleware(nil)(tenantRoutes)
	_, _ = db, handler
}
