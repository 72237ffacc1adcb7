package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
)

// appRoutePath is the benchmark's own application route: the items page
// as an application's handler would usually be written, with api.Register
// and queries one after another on the request's transaction, rather than
// pipelined like the reference list (api.RegisterRead).
const appRoutePath = "/api/bench-items"

// appRouteSQL are the handler's queries: a page of items, newest first,
// and their total.
const (
	appRoutePageSQL  = `SELECT id, name, description, created_at FROM items ORDER BY created_at DESC, id DESC LIMIT $1`
	appRouteCountSQL = `SELECT count(*) FROM items`
)

type appRouteItem struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

type appRouteInput struct {
	api.Bearer
	Limit int `query:"limit" minimum:"1" maximum:"100" default:"20"`
}

type appRouteOutput struct{ Body api.Page[appRouteItem] }

// appRoutes mounts the benchmark's application route.
func appRoutes(r *api.Routes) error {
	api.Register(r, huma.Operation{OperationID: "benchListItems", Method: http.MethodGet, Path: appRoutePath,
		Summary: "The items page, as an application's handler on the request's transaction"}, auth.DataRead, listAppItems)
	return nil
}

func listAppItems(ctx context.Context, c *api.Context, in *appRouteInput) (*appRouteOutput, error) {
	out := &appRouteOutput{Body: api.Page[appRouteItem]{Limit: in.Limit}}
	rows, _ := c.Tx.Query(ctx, appRoutePageSQL, in.Limit)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByPos[appRouteItem])
	if err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	out.Body.Results = items
	if err := c.Tx.QueryRow(ctx, appRouteCountSQL).Scan(&out.Body.Count); err != nil {
		return nil, fmt.Errorf("count items: %w", err)
	}
	return out, nil
}
