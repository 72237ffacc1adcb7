package auth

import (
	"context"
	"fmt"
)

// ChangePassword sets user id's own password, once password is checked
// against the rules (ValidatePassword). Like a change by a manager it ends
// the user's refresh tokens, and access tokens issued before it are
// refused. It returns ErrUserNotFound when there is no such user.
func ChangePassword(ctx context.Context, q Querier, id int64, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	if _, err := applyChanges(ctx, q, id, Changes{Password: &password}); err != nil {
		return fmt.Errorf("change password of user %d: %w", id, err)
	}
	return nil
}
