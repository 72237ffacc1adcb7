package lms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/app"
)

// maxLoadFile bounds the file loaddata reads (16 MiB).
const maxLoadFile = 16 << 20

// loadData adds the borrowers of the JSON file args[0] to one schema. Every
// entry is checked as the API checks a new borrower before any is added; a
// borrower whose national_id is there already, or without one whose name
// and email are, is skipped, so loading a file twice adds nothing.
func loadData(ctx context.Context, s *app.Scope, args []string) error {
	if len(args) != 1 {
		return errors.New("loaddata takes one argument: the JSON file of borrowers")
	}
	list, err := readBorrowers(args[0])
	if err != nil {
		return err
	}
	added := 0
	for i, f := range list {
		var id int64
		err := s.Tx.QueryRow(ctx, loadBorrowerSQL, f.Name, f.Email, f.Phone, f.NationalID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: borrower %d (%s): %w", args[0], i+1, f.Name, err)
		}
		added++
	}
	fmt.Fprintf(s.Env.Stdout, "%s  %d borrowers added, %d there already\n", s.Schema.Name, added, len(list)-added)
	return nil
}

// readBorrowers reads and checks the borrowers of file.
func readBorrowers(file string) ([]BorrowerFields, error) {
	st, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxLoadFile {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d loaddata reads", file, st.Size(), maxLoadFile)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var list []BorrowerFields
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of {name, email, phone, national_id}: %w", file, err)
	}
	for i := range list {
		if err := list[i].clean(); err != nil {
			return nil, fmt.Errorf("%s: borrower %d: %w", file, i+1, err)
		}
	}
	return list, nil
}
