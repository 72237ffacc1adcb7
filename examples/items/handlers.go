package items

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

// Item is one of a tenant's items.
type Item struct {
	ID                int64     `json:"id"`
	Name              string    `json:"name"`
	Description       string    `json:"description"`
	CreatedBy         *int64    `json:"created_by" doc:"id of the user who created it; null once that user is deleted"`
	CreatedByUsername *string   `json:"created_by_username" doc:"that user's username, or null"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// etag is the item's version: its updated_at in microseconds, which every
// write moves forward.
func (it *Item) etag() string {
	return `W/"` + strconv.FormatInt(it.UpdatedAt.UnixMicro(), 10) + `"`
}

type itemFields struct {
	Name        string `json:"name" minLength:"1" maxLength:"200" doc:"surrounding spaces are trimmed; must not be blank"`
	Description string `json:"description,omitempty" maxLength:"10000" doc:"default empty"`
}

type itemPatch struct {
	Name        *string `json:"name,omitempty" minLength:"1" maxLength:"200" doc:"surrounding spaces are trimmed; must not be blank"`
	Description *string `json:"description,omitempty" maxLength:"10000"`
}

// The inputs' parameters are fields of each, not embedded structs: huma
// reads parameters only from exported fields and exported embedded types.

type listItemsInput struct {
	api.Bearer
	Limit  int   `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"page size"`
	Offset int64 `query:"offset" minimum:"0" default:"0" doc:"entries to skip"`
}

type itemInput struct {
	api.Bearer
	ID int64 `path:"id" minimum:"1" doc:"the item's id"`
}

type createItemInput struct {
	api.Bearer
	Body itemFields
}

type putItemInput struct {
	api.Bearer
	ID      int64  `path:"id" minimum:"1" doc:"the item's id"`
	IfMatch string `header:"If-Match" maxLength:"1024" doc:"ETag(s) from a GET: write only if the item is still at one of these versions, else 412; * matches any"`
	Body    itemFields
}

type patchItemInput struct {
	api.Bearer
	ID      int64  `path:"id" minimum:"1" doc:"the item's id"`
	IfMatch string `header:"If-Match" maxLength:"1024" doc:"ETag(s) from a GET: write only if the item is still at one of these versions, else 412; * matches any"`
	Body    itemPatch
}

type deleteItemInput struct {
	api.Bearer
	ID      int64  `path:"id" minimum:"1" doc:"the item's id"`
	IfMatch string `header:"If-Match" maxLength:"1024" doc:"ETag(s) from a GET: write only if the item is still at one of these versions, else 412; * matches any"`
}

type itemOutput struct {
	ETag string `header:"ETag" doc:"the item's version, for If-Match"`
	Body *Item
}

type createdItemOutput struct {
	ETag     string `header:"ETag" doc:"the item's version, for If-Match"`
	Location string `header:"Location" doc:"the new item's path"`
	Body     *Item
}

type itemsOutput struct{ Body api.Page[Item] }

const lastWriteWins = " Without If-Match the last write wins, field by field: "

// Register mounts the items API on r: the App's Routes.
func Register(r *api.Routes) error {
	op := func(id, method, path, summary, desc string, status int, errs ...int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Tags: []string{"items"}, Summary: summary,
			Description: desc, DefaultStatus: status, Errors: append([]int{404}, errs...)}
	}
	api.RegisterRead(r, op("listItems", http.MethodGet, "/api/items", "List items, newest first",
		"A page of limit items after offset; count is how many there are in all.", 0), auth.DataRead, listItems)
	api.Register(r, op("createItem", http.MethodPost, "/api/items", "Create an item",
		"created_by is the caller.", http.StatusCreated, 413, 415), auth.DataWrite, createItem)
	api.RegisterRead(r, op("getItem", http.MethodGet, "/api/items/{id}", "Get an item",
		"The ETag header is the item's version, for If-Match on writes.", 0), auth.DataRead, getItem)
	api.Register(r, op("replaceItem", http.MethodPut, "/api/items/{id}", "Replace an item",
		"Sets every field: an omitted description becomes empty."+lastWriteWins+
			"send the ETag of your GET in If-Match to get 412 instead of overwriting someone else's change.",
		0, 412, 413, 415), auth.DataWrite, replaceItem)
	api.Register(r, op("patchItem", http.MethodPatch, "/api/items/{id}", "Change some of an item's fields",
		"Changes only the fields given (at least one)."+lastWriteWins+
			"two PATCHes of different fields both hold; of the same field, the later one. Send the ETag of your GET in If-Match to get 412 instead.",
		0, 412, 413, 415), auth.DataWrite, patchItem)
	api.Register(r, op("deleteItem", http.MethodDelete, "/api/items/{id}", "Delete an item",
		"With If-Match, only if the item is still at that version (else 412).", http.StatusNoContent, 412), auth.DataWrite, deleteItem)
	return nil
}

func listItems(_ context.Context, in *listItemsInput, b *pgx.Batch) (*itemsOutput, error) {
	out := &itemsOutput{Body: api.Page[Item]{Limit: in.Limit, Offset: in.Offset}}
	queueListItems(b, in.Limit, in.Offset, &out.Body)
	return out, nil
}

func getItem(_ context.Context, in *itemInput, b *pgx.Batch) (*itemOutput, error) {
	out := &itemOutput{}
	b.Queue(getItemSQL, in.ID).QueryRow(func(row pgx.Row) error {
		it, err := scanItem(row)
		if errors.Is(err, errNotFound) {
			return itemNotFound(in.ID)
		}
		if err != nil {
			return err
		}
		*out = *itemResponse(it)
		return nil
	})
	return out, nil
}

func createItem(ctx context.Context, c *api.Context, in *createItemInput) (*createdItemOutput, error) {
	f := in.Body
	if err := cleanItem(&f.Name, &f.Description); err != nil {
		return nil, err
	}
	it, err := scanItem(c.Tx.QueryRow(ctx, insertItemSQL, f.Name, f.Description, c.User.ID))
	if err != nil {
		return nil, err
	}
	return &createdItemOutput{ETag: it.etag(), Location: fmt.Sprintf("/api/items/%d/", it.ID), Body: it}, nil
}

func replaceItem(ctx context.Context, c *api.Context, in *putItemInput) (*itemOutput, error) {
	f := in.Body
	return writeItem(ctx, c.Tx, in.ID, in.IfMatch, itemPatch{Name: &f.Name, Description: &f.Description})
}

func patchItem(ctx context.Context, c *api.Context, in *patchItemInput) (*itemOutput, error) {
	if in.Body.Name == nil && in.Body.Description == nil {
		return nil, huma.Error422UnprocessableEntity("nothing to change: give name, description or both")
	}
	return writeItem(ctx, c.Tx, in.ID, in.IfMatch, in.Body)
}

// writeItem sets the fields p gives on item id, if its version matches
// ifMatch.
func writeItem(ctx context.Context, tx *tenantdb.Tx, id int64, ifMatch string, p itemPatch) (*itemOutput, error) {
	if err := cleanItem(p.Name, p.Description); err != nil {
		return nil, err
	}
	it, err := scanItem(tx.QueryRow(ctx, updateItemSQL, id, p.Name, p.Description, parseIfMatch(ifMatch)))
	if errors.Is(err, errNotFound) {
		return nil, whyUnchanged(ctx, tx, id)
	}
	if err != nil {
		return nil, err
	}
	return itemResponse(it), nil
}

func deleteItem(ctx context.Context, c *api.Context, in *deleteItemInput) (*struct{}, error) {
	var id int64
	err := c.Tx.QueryRow(ctx, deleteItemSQL, in.ID, parseIfMatch(in.IfMatch)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, whyUnchanged(ctx, c.Tx, in.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("delete item %d: %w", in.ID, err)
	}
	return &struct{}{}, nil
}

func itemResponse(it *Item) *itemOutput {
	if it == nil {
		return nil
	}
	return &itemOutput{ETag: it.etag(), Body: it}
}

// cleanItem trims the name and checks what the schema cannot: a blank
// name, and NUL characters, which PostgreSQL's text cannot hold.
func cleanItem(name, description *string) error {
	if name != nil {
		*name = strings.TrimSpace(*name)
		if *name == "" {
			return huma.Error422UnprocessableEntity("name must not be blank")
		}
		if strings.ContainsRune(*name, 0) {
			return huma.Error422UnprocessableEntity("name must not contain NUL characters")
		}
	}
	if description != nil && strings.ContainsRune(*description, 0) {
		return huma.Error422UnprocessableEntity("description must not contain NUL characters")
	}
	return nil
}

// parseIfMatch turns an If-Match header into the item versions it accepts:
// nil for no header or *, which put no condition on an existing item. An
// entry that is not one of our ETags matches no version. Weak and strong
// forms of our ETags are both accepted.
func parseIfMatch(h string) []time.Time {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return nil
	}
	versions := []time.Time{}
	for _, tag := range strings.Split(h, ",") {
		tag = strings.Trim(strings.TrimPrefix(strings.TrimSpace(tag), "W/"), `"`)
		if us, err := strconv.ParseInt(tag, 10, 64); err == nil {
			versions = append(versions, time.UnixMicro(us))
		}
	}
	return versions
}

// whyUnchanged explains a write that matched no row: the item is missing
// (404) or not at the version If-Match asked for (412).
func whyUnchanged(ctx context.Context, tx *tenantdb.Tx, id int64) error {
	var it Item
	err := tx.QueryRow(ctx, "SELECT updated_at FROM items WHERE id = $1", id).Scan(&it.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return itemNotFound(id)
	}
	if err != nil {
		return fmt.Errorf("look up item %d: %w", id, err)
	}
	return huma.ErrorWithHeaders(
		huma.NewError(http.StatusPreconditionFailed, fmt.Sprintf("item %d has changed since the version in If-Match: it is now at %s; GET it again", id, it.etag())),
		http.Header{"ETag": {it.etag()}})
}

func itemNotFound(id int64) error {
	return huma.Error404NotFound(fmt.Sprintf("item %d not found", id))
}

// The items' SQL. Writes bump updated_at past its old value even within one
// microsecond, so every write gives a new ETag.
const (
	itemColumns = "i.id, i.name, i.description, i.created_by, u.username, i.created_at, i.updated_at"
	withCreator = " FROM i LEFT JOIN users u ON u.id = i.created_by"
	bumpVersion = "updated_at = greatest(clock_timestamp(), updated_at + interval '1 microsecond')"

	listItemsSQL = "WITH i AS (SELECT * FROM items ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2) " +
		"SELECT " + itemColumns + withCreator + " ORDER BY i.created_at DESC, i.id DESC"
	getItemSQL    = "WITH i AS (SELECT * FROM items WHERE id = $1) SELECT " + itemColumns + withCreator
	insertItemSQL = "WITH i AS (INSERT INTO items (name, description, created_by) VALUES ($1, $2, $3) RETURNING *) " +
		"SELECT " + itemColumns + withCreator
	updateItemSQL = "WITH i AS (UPDATE items SET name = coalesce($2, name), description = coalesce($3, description), " +
		bumpVersion + " WHERE id = $1 AND ($4::timestamptz[] IS NULL OR updated_at = ANY($4)) RETURNING *) " +
		"SELECT " + itemColumns + withCreator
	deleteItemSQL = "DELETE FROM items WHERE id = $1 AND ($2::timestamptz[] IS NULL OR updated_at = ANY($2)) RETURNING id"
)

// errNotFound is scanItem's answer when there is no item.
var errNotFound = errors.New("item not found")

// scanItem reads one item; errNotFound when there is none.
func scanItem(row pgx.Row) (*Item, error) {
	var it Item
	err := row.Scan(&it.ID, &it.Name, &it.Description, &it.CreatedBy, &it.CreatedByUsername, &it.CreatedAt, &it.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read item: %w", err)
	}
	it.CreatedAt, it.UpdatedAt = it.CreatedAt.UTC(), it.UpdatedAt.UTC()
	return &it, nil
}

// queueListItems adds to b the queries of a page of items, newest first,
// and of their total, filling page when b's results are read.
func queueListItems(b *pgx.Batch, limit int, offset int64, page *api.Page[Item]) {
	b.Queue(listItemsSQL, limit, offset).Query(func(rows pgx.Rows) error {
		items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Item, error) {
			var it Item
			err := r.Scan(&it.ID, &it.Name, &it.Description, &it.CreatedBy, &it.CreatedByUsername, &it.CreatedAt, &it.UpdatedAt)
			it.CreatedAt, it.UpdatedAt = it.CreatedAt.UTC(), it.UpdatedAt.UTC()
			return it, err
		})
		if err != nil {
			return fmt.Errorf("list items: %w", err)
		}
		page.Results = items
		return nil
	})
	b.Queue("SELECT count(*) FROM items").QueryRow(func(row pgx.Row) error {
		if err := row.Scan(&page.Count); err != nil {
			return fmt.Errorf("count items: %w", err)
		}
		return nil
	})
}
