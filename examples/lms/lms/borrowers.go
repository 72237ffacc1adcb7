package lms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/api"
)

// Borrower is one of a lending company's borrowers.
type Borrower struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Email      *string   `json:"email"`
	Phone      *string   `json:"phone"`
	NationalID *string   `json:"national_id"`
	CreatedBy  *int64    `json:"created_by" doc:"id of the user who added it; null for loaded or seeded borrowers and once that user is deleted"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// borrowerPatch holds the fields a PATCH changes: those given. A blank
// optional field clears it.
type borrowerPatch struct {
	Name       *string `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Email      *string `json:"email,omitempty" maxLength:"254" doc:"blank clears it"`
	Phone      *string `json:"phone,omitempty" maxLength:"32" doc:"blank clears it"`
	NationalID *string `json:"national_id,omitempty" maxLength:"64" doc:"blank clears it"`
}

type pageInput struct {
	api.Bearer
	Limit  int   `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"page size"`
	Offset int64 `query:"offset" minimum:"0" default:"0" doc:"entries to skip"`
}

type borrowerInput struct {
	api.Bearer
	ID int64 `path:"id" minimum:"1" doc:"the borrower's id"`
}

type createBorrowerInput struct {
	api.Bearer
	Body BorrowerFields
}

type patchBorrowerInput struct {
	api.Bearer
	ID   int64 `path:"id" minimum:"1" doc:"the borrower's id"`
	Body borrowerPatch
}

type borrowerOutput struct{ Body *Borrower }

type createdBorrowerOutput struct {
	Location string `header:"Location" doc:"the new borrower's path"`
	Body     *Borrower
}

type borrowersOutput struct{ Body api.Page[Borrower] }

// nationalIDTaken is the answer to a second borrower with a national id.
var nationalIDTaken = conflicts{"borrowers_national_id_key": huma.Error409Conflict("a borrower with this national_id exists already")}

func listBorrowers(_ context.Context, in *pageInput, b *pgx.Batch) (*borrowersOutput, error) {
	out := &borrowersOutput{Body: api.Page[Borrower]{Limit: in.Limit, Offset: in.Offset}}
	b.Queue(listBorrowersSQL, in.Limit, in.Offset).Query(func(rows pgx.Rows) error {
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Borrower, error) {
			bw, err := scanBorrower(r)
			if err != nil {
				return Borrower{}, err
			}
			return *bw, nil
		})
		if err != nil {
			return fmt.Errorf("list borrowers: %w", err)
		}
		out.Body.Results = list
		return nil
	})
	queueCount(b, &out.Body.Count, "count borrowers", countBorrowersSQL)
	return out, nil
}

func getBorrower(_ context.Context, in *borrowerInput, b *pgx.Batch) (*borrowerOutput, error) {
	out := &borrowerOutput{}
	b.Queue(getBorrowerSQL, in.ID).QueryRow(func(row pgx.Row) error {
		bw, err := scanBorrower(row)
		if errors.Is(err, pgx.ErrNoRows) {
			return borrowerNotFound(in.ID)
		}
		out.Body = bw
		return err
	})
	return out, nil
}

func createBorrower(ctx context.Context, c *api.Context, in *createBorrowerInput) (*createdBorrowerOutput, error) {
	f := in.Body
	if err := f.clean(); err != nil {
		return nil, err
	}
	bw, err := scanBorrower(c.Tx.QueryRow(ctx, insertBorrowerSQL, f.Name, f.Email, f.Phone, f.NationalID, c.User.ID))
	if err != nil {
		return nil, dbError(err, "add borrower", nationalIDTaken)
	}
	return &createdBorrowerOutput{Location: fmt.Sprintf("/api/borrowers/%d/", bw.ID), Body: bw}, nil
}

func patchBorrower(ctx context.Context, c *api.Context, in *patchBorrowerInput) (*borrowerOutput, error) {
	p := in.Body
	if p.Name == nil && p.Email == nil && p.Phone == nil && p.NationalID == nil {
		return nil, huma.Error422UnprocessableEntity("nothing to change: give name, email, phone or national_id")
	}
	bw, err := scanBorrower(c.Tx.QueryRow(ctx, lockBorrowerSQL, in.ID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, borrowerNotFound(in.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("read borrower %d: %w", in.ID, err)
	}
	f := BorrowerFields{Name: bw.Name, Email: bw.Email, Phone: bw.Phone, NationalID: bw.NationalID}
	f.Name = *given(p.Name, &f.Name)
	f.Email, f.Phone, f.NationalID = given(p.Email, f.Email), given(p.Phone, f.Phone), given(p.NationalID, f.NationalID)
	if err := f.clean(); err != nil {
		return nil, err
	}
	bw, err = scanBorrower(c.Tx.QueryRow(ctx, updateBorrowerSQL, in.ID, f.Name, f.Email, f.Phone, f.NationalID))
	if err != nil {
		return nil, dbError(err, fmt.Sprintf("change borrower %d", in.ID), nationalIDTaken)
	}
	return &borrowerOutput{Body: bw}, nil
}

func deleteBorrower(ctx context.Context, c *api.Context, in *borrowerInput) (*struct{}, error) {
	var id int64
	err := c.Tx.QueryRow(ctx, deleteBorrowerSQL, in.ID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, borrowerNotFound(in.ID)
	}
	if err != nil {
		return nil, dbError(err, fmt.Sprintf("delete borrower %d", in.ID), conflicts{
			"loans_borrower_id_fkey": huma.Error409Conflict(fmt.Sprintf("borrower %d has loans: it cannot be deleted", in.ID))})
	}
	return &struct{}{}, nil
}

func borrowerNotFound(id int64) error {
	return huma.Error404NotFound(fmt.Sprintf("borrower %d not found", id))
}

// given is p when the request gives it, else old.
func given[T any](p, old *T) *T {
	if p != nil {
		return p
	}
	return old
}

// scanBorrower reads one borrower; pgx.ErrNoRows when there is none.
func scanBorrower(row pgx.Row) (*Borrower, error) {
	var b Borrower
	err := row.Scan(&b.ID, &b.Name, &b.Email, &b.Phone, &b.NationalID, &b.CreatedBy, &b.CreatedAt, &b.UpdatedAt)
	if err != nil {
		return nil, err
	}
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return &b, nil
}

// queueCount adds to b a count query whose answer goes to n.
func queueCount(b *pgx.Batch, n *int64, what, sql string, args ...any) {
	b.Queue(sql, args...).QueryRow(func(row pgx.Row) error {
		if err := row.Scan(n); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	})
}
