package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/export"
	"github.com/tenantry/tenantry/tenantdb"
)

type exportDataInput struct {
	Bearer
}

func (s *server) registerExport(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "export-data", Method: http.MethodGet, Path: "/api/export", Tags: []string{"tenant"},
		Summary: "Download all the tenant's data: a zip of JSON files, one per table",
		Description: "For data-portability requests: tables/<table>.json for each table of the tenant's schema and " +
			"shared/<table>.json for its rows of the shared tables (audit log, join requests, email domains), each " +
			"an array of objects, and manifest.json. Passwords, secrets and hashes are left out. Needs " +
			string(auth.DataExport) + " (owners). Data over 512 MiB compressed is refused (413): an operator's " +
			"`tenantry tenant export` has no such bound.",
		Security: secured, Errors: []int{401, 403, 404, 413},
		Responses: map[string]*huma.Response{"200": {
			Description: "The zip file.",
			Content:     map[string]*huma.MediaType{"application/zip": {Schema: &huma.Schema{Type: "string", Format: "binary"}}},
		}},
	}, s.exportData)
}

// exportData builds the zip into an unlinked temporary file inside the
// request's transaction, then sends it once the transaction is over: no
// transaction waits on the client.
func (s *server) exportData(ctx context.Context, in *exportDataInput) (*huma.StreamResponse, error) {
	f, err := os.CreateTemp("", "tenantry-data-*.zip")
	if err != nil {
		return nil, s.problem(ctx, fmt.Errorf("data export: %w", err))
	}
	_ = os.Remove(f.Name()) // the open file stays readable; nothing is left on disk
	var name string
	err = s.asUser(ctx, in.Bearer, auth.DataExport, func(tx *tenantdb.Tx, u *auth.User) error {
		m, err := export.Portable(ctx, tx, tx.Tenant, f, 0)
		if errors.Is(err, export.ErrTooLarge) {
			return huma.Error413RequestEntityTooLarge(err.Error())
		}
		if err != nil {
			return err
		}
		name = tx.Tenant.Slug + "-data-" + m.ExportedAt.Format("20060102T150405Z") + ".zip"
		return audit.Record(ctx, tx, audit.Event{TenantID: tx.Tenant.ID, Action: audit.DataExported, Target: tx.Tenant.Slug,
			Details: map[string]any{"tables": len(m.Tables)}})
	})
	if err != nil {
		f.Close()
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) { sendFile(hc, f, name) }}, nil
}

// sendFile answers with f as an attachment called name, and closes it.
func sendFile(hc huma.Context, f *os.File, name string) {
	defer f.Close()
	size, err := f.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		hc.SetStatus(http.StatusInternalServerError)
		return
	}
	hc.SetHeader("Content-Type", "application/zip")
	hc.SetHeader("Content-Disposition", `attachment; filename="`+name+`"`)
	hc.SetHeader("Content-Length", strconv.FormatInt(size, 10))
	hc.SetHeader("Cache-Control", "no-store")
	hc.SetHeader("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
	hc.SetStatus(http.StatusOK)
	_, _ = io.Copy(hc.BodyWriter(), f) // a client gone away is not our error
}
