// Command notes is the smallest application on Tenantry: the one in the
// README. Each tenant keeps notes; POST /api/notes/ adds one.
package main

import (
	"context"
	"embed"
	"io/fs"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/app"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/cli"
)

//go:embed migrations/*.sql
var files embed.FS // migrations/0001_notes.sql: CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL)

type note struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
}

type createInput struct {
	api.Bearer // the caller's access token
	Body       struct {
		Body string `json:"body" minLength:"1" maxLength:"2000"`
	}
}

type noteOutput struct{ Body note }

func routes(r *api.Routes) error {
	api.Register(r, huma.Operation{OperationID: "createNote", Method: http.MethodPost, Path: "/api/notes",
		DefaultStatus: http.StatusCreated},
		auth.DataWrite, func(ctx context.Context, c *api.Context, in *createInput) (*noteOutput, error) {
			// c.Tx is this request's transaction, bound to c.Tenant: "notes" is the tenant's own table.
			out := &noteOutput{}
			err := c.Tx.QueryRow(ctx, "INSERT INTO notes (body) VALUES ($1) RETURNING id, body",
				in.Body.Body).Scan(&out.Body.ID, &out.Body.Body)
			return out, err
		})
	return nil
}

func main() {
	migrations, _ := fs.Sub(files, "migrations")
	cli.Run(&app.App{Name: "notes", TenantMigrations: migrations, Routes: routes})
}
