package items

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/console"
	"github.com/tenantry/tenantry/tenantdb"
)

// ConsoleSection is the items' part of the web console: /admin/items/ on
// each tenant's host, a list with search and paging, and forms to create,
// edit and delete items, behind the same permissions as the items API.
func ConsoleSection() console.Section {
	return console.Section{
		Path: "items", Title: "Items", Noun: "item", Read: auth.DataRead, Write: auth.DataWrite,
		Fields: []console.Field{
			{Name: "name", Label: "Name", Required: true, MaxLength: 200, Listed: true},
			{Name: "description", Label: "Description", Kind: console.TextArea, MaxLength: 10000, Listed: true},
			{Name: "created_by", Label: "Created by", ReadOnly: true, Listed: true},
			{Name: "updated_at", Label: "Last changed", ReadOnly: true},
		},
		List: consoleList, Get: consoleGet, Create: consoleCreate, Update: consoleUpdate, Delete: consoleDelete,
	}
}

// searchItemsSQL is a page of the items whose name or description holds
// $1 (any case; LIKE's wildcards escaped), newest first, with the count of
// all that match.
const searchItemsSQL = "WITH i AS (SELECT *, count(*) OVER () AS total FROM items " +
	"WHERE $1 = '' OR name ILIKE '%' || $1 || '%' OR description ILIKE '%' || $1 || '%' " +
	"ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3) " +
	"SELECT " + itemColumns + ", i.total" + withCreator + " ORDER BY i.created_at DESC, i.id DESC"

func consoleList(ctx context.Context, tx *tenantdb.Tx, q console.Query) (*console.Page, error) {
	rows, err := tx.Query(ctx, searchItemsSQL, likeEscape(q.Search), q.Limit, q.Offset)
	if err != nil {
		return nil, fmt.Errorf("search items: %w", err)
	}
	page := &console.Page{}
	page.Rows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (console.Row, error) {
		var it Item
		err := r.Scan(&it.ID, &it.Name, &it.Description, &it.CreatedBy, &it.CreatedByUsername, &it.CreatedAt, &it.UpdatedAt, &page.Total)
		return console.Row{ID: it.ID, Values: itemValues(&it)}, err
	})
	if err != nil {
		return nil, fmt.Errorf("search items: %w", err)
	}
	if len(page.Rows) == 0 && q.Offset > 0 {
		err = tx.QueryRow(ctx, "SELECT count(*) FROM items WHERE $1 = '' OR name ILIKE '%' || $1 || '%' OR description ILIKE '%' || $1 || '%'",
			likeEscape(q.Search)).Scan(&page.Total)
	}
	return page, err
}

// likeEscape makes s match itself in a LIKE pattern.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func itemValues(it *Item) console.Values {
	by := "—"
	if it.CreatedByUsername != nil {
		by = *it.CreatedByUsername
	}
	desc := it.Description
	return console.Values{"name": it.Name, "description": desc, "created_by": by,
		"updated_at": it.UpdatedAt.UTC().Format("2006-01-02 15:04:05 UTC")}
}

func consoleGet(ctx context.Context, tx *tenantdb.Tx, id int64) (console.Values, error) {
	it, err := scanItem(tx.QueryRow(ctx, getItemSQL, id))
	if errors.Is(err, errNotFound) {
		return nil, console.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return itemValues(it), nil
}

// consoleFields checks an item's fields as the API does.
func consoleFields(v console.Values) (name, description string, err error) {
	name, description = strings.TrimSpace(v["name"]), v["description"]
	if name == "" {
		return "", "", &console.FieldError{Field: "name", Message: "Name must not be blank."}
	}
	return name, description, nil
}

func consoleCreate(ctx context.Context, tx *tenantdb.Tx, u *auth.User, v console.Values) (int64, error) {
	name, description, err := consoleFields(v)
	if err != nil {
		return 0, err
	}
	it, err := scanItem(tx.QueryRow(ctx, insertItemSQL, name, description, u.ID))
	if err != nil {
		return 0, err
	}
	return it.ID, nil
}

func consoleUpdate(ctx context.Context, tx *tenantdb.Tx, id int64, v console.Values) error {
	name, description, err := consoleFields(v)
	if err != nil {
		return err
	}
	_, err = scanItem(tx.QueryRow(ctx, updateItemSQL, id, &name, &description, nil))
	if errors.Is(err, errNotFound) {
		return console.ErrNotFound
	}
	return err
}

func consoleDelete(ctx context.Context, tx *tenantdb.Tx, id int64) error {
	var got int64
	err := tx.QueryRow(ctx, deleteItemSQL, id, nil).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return console.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete item %d: %w", id, err)
	}
	return nil
}
