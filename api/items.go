package api

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

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

// Item is one of a tenant's items, the reference API's example data.
type Item struct {
	ID                int64     `json:"id"`
	Title             string    `json:"title"`
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

// Page is one page of a list, with the total number of entries.
type Page[T any] struct {
	Count   int64 `json:"count" doc:"how many there are in all"`
	Limit   int   `json:"limit"`
	Offset  int64 `json:"offset"`
	Results []T   `json:"results" nullable:"false"`
}

type itemFields struct {
	Title       string `json:"title" minLength:"1" maxLength:"200" doc:"surrounding spaces are trimmed; must not be blank"`
	Description string `json:"description,omitempty" maxLength:"10000" doc:"default empty"`
}

type itemPatch struct {
	Title       *string `json:"title,omitempty" minLength:"1" maxLength:"200" doc:"surrounding spaces are trimmed; must not be blank"`
	Description *string `json:"description,omitempty" maxLength:"10000"`
}

// The inputs' parameters are fields of each, not embedded structs: huma
// reads parameters only from exported fields and exported embedded types.

type listItemsInput struct {
	Bearer
	Limit  int   `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"page size"`
	Offset int64 `query:"offset" minimum:"0" default:"0" doc:"entries to skip"`
}

type itemInput struct {
	Bearer
	ID int64 `path:"id" minimum:"1" doc:"the item's id"`
}

type createItemInput struct {
	Bearer
	Body itemFields
}

type putItemInput struct {
	Bearer
	ID      int64  `path:"id" minimum:"1" doc:"the item's id"`
	IfMatch string `header:"If-Match" maxLength:"1024" doc:"ETag(s) from a GET: write only if the item is still at one of these versions, else 412; * matches any"`
	Body    itemFields
}

type patchItemInput struct {
	Bearer
	ID      int64  `path:"id" minimum:"1" doc:"the item's id"`
	IfMatch string `header:"If-Match" maxLength:"1024" doc:"ETag(s) from a GET: write only if the item is still at one of these versions, else 412; * matches any"`
	Body    itemPatch
}

type deleteItemInput struct {
	Bearer
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

type itemsOutput struct{ Body Page[Item] }

const lastWriteWins = " Without If-Match the last write wins, field by field: "

func (s *server) registerItems(api huma.API) {
	op := func(id, method, path, summary, desc string, perm auth.Permission, status int, errs ...int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Tags: []string{"items"}, Summary: summary,
			Description: desc + " Needs the " + string(perm) + " permission.", DefaultStatus: status, Security: secured,
			MaxBodyBytes: MaxBodyBytes, Errors: append([]int{401, 403, 404, 422}, errs...)}
	}
	huma.Register(api, op("listItems", http.MethodGet, "/api/items", "List items, newest first",
		"A page of limit items after offset; count is how many there are in all.", auth.ItemsRead, 0), s.listItems)
	huma.Register(api, op("createItem", http.MethodPost, "/api/items", "Create an item",
		"created_by is the caller.", auth.ItemsWrite, http.StatusCreated, 413, 415), s.createItem)
	huma.Register(api, op("getItem", http.MethodGet, "/api/items/{id}", "Get an item",
		"The ETag header is the item's version, for If-Match on writes.", auth.ItemsRead, 0), s.getItem)
	huma.Register(api, op("replaceItem", http.MethodPut, "/api/items/{id}", "Replace an item",
		"Sets every field: an omitted description becomes empty."+lastWriteWins+
			"send the ETag of your GET in If-Match to get 412 instead of overwriting someone else's change.",
		auth.ItemsWrite, 0, 412, 413, 415), s.replaceItem)
	huma.Register(api, op("patchItem", http.MethodPatch, "/api/items/{id}", "Change some of an item's fields",
		"Changes only the fields given (at least one)."+lastWriteWins+
			"two PATCHes of different fields both hold; of the same field, the later one. Send the ETag of your GET in If-Match to get 412 instead.",
		auth.ItemsWrite, 0, 412, 413, 415), s.patchItem)
	huma.Register(api, op("deleteItem", http.MethodDelete, "/api/items/{id}", "Delete an item",
		"With If-Match, only if the item is still at that version (else 412).", auth.ItemsWrite, http.StatusNoContent, 412), s.deleteItem)
}

func (s *server) listItems(ctx context.Context, in *listItemsInput) (*itemsOutput, error) {
	out := &itemsOutput{Body: Page[Item]{Limit: in.Limit, Offset: in.Offset}}
	err := s.asReader(ctx, in.Bearer, auth.ItemsRead, func(b *pgx.Batch) {
		queueListItems(b, in.Limit, in.Offset, &out.Body)
	})
	return out, err
}

func (s *server) getItem(ctx context.Context, in *itemInput) (*itemOutput, error) {
	var it *Item
	err := s.asReader(ctx, in.Bearer, auth.ItemsRead, func(b *pgx.Batch) {
		b.Queue(getItemSQL, in.ID).QueryRow(func(row pgx.Row) error {
			var err error
			if it, err = scanItem(row); errors.Is(err, errNotFound) {
				return itemNotFound(in.ID)
			}
			return err
		})
	})
	return itemResponse(it), err
}

func (s *server) createItem(ctx context.Context, in *createItemInput) (*createdItemOutput, error) {
	f := in.Body
	if err := cleanItem(&f.Title, &f.Description); err != nil {
		return nil, err
	}
	var it *Item
	err := s.asUser(ctx, in.Bearer, auth.ItemsWrite, func(tx *tenantdb.Tx, u *auth.User) error {
		var err error
		it, err = scanItem(tx.QueryRow(ctx, insertItemSQL, f.Title, f.Description, u.ID))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &createdItemOutput{ETag: it.etag(), Location: fmt.Sprintf("/api/items/%d/", it.ID), Body: it}, nil
}

func (s *server) replaceItem(ctx context.Context, in *putItemInput) (*itemOutput, error) {
	f := in.Body
	return s.writeItem(ctx, in.Bearer, in.ID, in.IfMatch, itemPatch{Title: &f.Title, Description: &f.Description})
}

func (s *server) patchItem(ctx context.Context, in *patchItemInput) (*itemOutput, error) {
	if in.Body.Title == nil && in.Body.Description == nil {
		return nil, huma.Error422UnprocessableEntity("nothing to change: give title, description or both")
	}
	return s.writeItem(ctx, in.Bearer, in.ID, in.IfMatch, in.Body)
}

// writeItem sets the fields p gives on item id, if its version matches
// ifMatch.
func (s *server) writeItem(ctx context.Context, b Bearer, id int64, ifMatch string, p itemPatch) (*itemOutput, error) {
	if err := cleanItem(p.Title, p.Description); err != nil {
		return nil, err
	}
	versions := parseIfMatch(ifMatch)
	var it *Item
	err := s.asUser(ctx, b, auth.ItemsWrite, func(tx *tenantdb.Tx, _ *auth.User) error {
		var err error
		it, err = scanItem(tx.QueryRow(ctx, updateItemSQL, id, p.Title, p.Description, versions))
		if errors.Is(err, errNotFound) {
			return whyUnchanged(ctx, tx, id)
		}
		return err
	})
	return itemResponse(it), err
}

func (s *server) deleteItem(ctx context.Context, in *deleteItemInput) (*emptyOutput, error) {
	versions := parseIfMatch(in.IfMatch)
	err := s.asUser(ctx, in.Bearer, auth.ItemsWrite, func(tx *tenantdb.Tx, _ *auth.User) error {
		var id int64
		err := tx.QueryRow(ctx, deleteItemSQL, in.ID, versions).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return whyUnchanged(ctx, tx, in.ID)
		}
		if err != nil {
			return fmt.Errorf("delete item %d: %w", in.ID, err)
		}
		return nil
	})
	return &emptyOutput{}, err
}

func itemResponse(it *Item) *itemOutput {
	if it == nil {
		return nil
	}
	return &itemOutput{ETag: it.etag(), Body: it}
}

// cleanItem trims the title and checks what the schema cannot: a blank
// title, and NUL characters, which PostgreSQL's text cannot hold.
func cleanItem(title, description *string) error {
	if title != nil {
		*title = strings.TrimSpace(*title)
		if *title == "" {
			return huma.Error422UnprocessableEntity("title must not be blank")
		}
		if strings.ContainsRune(*title, 0) {
			return huma.Error422UnprocessableEntity("title must not contain NUL characters")
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
	itemColumns = "i.id, i.title, i.description, i.created_by, u.username, i.created_at, i.updated_at"
	withCreator = " FROM i LEFT JOIN users u ON u.id = i.created_by"
	bumpVersion = "updated_at = greatest(clock_timestamp(), updated_at + interval '1 microsecond')"

	listItemsSQL = "WITH i AS (SELECT * FROM items ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2) " +
		"SELECT " + itemColumns + withCreator + " ORDER BY i.created_at DESC, i.id DESC"
	getItemSQL    = "WITH i AS (SELECT * FROM items WHERE id = $1) SELECT " + itemColumns + withCreator
	insertItemSQL = "WITH i AS (INSERT INTO items (title, description, created_by) VALUES ($1, $2, $3) RETURNING *) " +
		"SELECT " + itemColumns + withCreator
	updateItemSQL = "WITH i AS (UPDATE items SET title = coalesce($2, title), description = coalesce($3, description), " +
		bumpVersion + " WHERE id = $1 AND ($4::timestamptz[] IS NULL OR updated_at = ANY($4)) RETURNING *) " +
		"SELECT " + itemColumns + withCreator
	deleteItemSQL = "DELETE FROM items WHERE id = $1 AND ($2::timestamptz[] IS NULL OR updated_at = ANY($2)) RETURNING id"
)

// scanItem reads one item; errNotFound when there is none.
func scanItem(row pgx.Row) (*Item, error) {
	var it Item
	err := row.Scan(&it.ID, &it.Title, &it.Description, &it.CreatedBy, &it.CreatedByUsername, &it.CreatedAt, &it.UpdatedAt)
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
func queueListItems(b *pgx.Batch, limit int, offset int64, page *Page[Item]) {
	b.Queue(listItemsSQL, limit, offset).Query(func(rows pgx.Rows) error {
		items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Item, error) {
			var it Item
			err := r.Scan(&it.ID, &it.Title, &it.Description, &it.CreatedBy, &it.CreatedByUsername, &it.CreatedAt, &it.UpdatedAt)
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
