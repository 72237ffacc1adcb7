package auth_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

var manager = auth.Manager{Policy: auth.DefaultPolicy}

// TestPolicyDecidesWhoManagesWhom runs every action for every role, each in a
// transaction rolled back afterwards, against a tenant with two owners and a
// member.
func TestPolicyDecidesWhoManagesWhom(t *testing.T) {
	t.Parallel()
	f := setup(t)
	owner2 := f.createUser(t, "owner2", auth.RoleOwner)
	member := f.createUser(t, "member1", auth.RoleMember)
	ctx := context.Background()
	newUser := func(role string) auth.NewUser {
		return auth.NewUser{Username: "new", Email: "new@alpha.test", Password: "new-password", Role: role}
	}
	actions := []struct {
		name string
		do   func(tx *tenantdb.Tx, actor *auth.User) error
	}{
		{"create member", func(tx *tenantdb.Tx, a *auth.User) error {
			_, err := manager.Create(ctx, tx, a, newUser(auth.RoleMember))
			return err
		}},
		{"create admin", func(tx *tenantdb.Tx, a *auth.User) error {
			_, err := manager.Create(ctx, tx, a, newUser(auth.RoleAdmin))
			return err
		}},
		{"create owner", func(tx *tenantdb.Tx, a *auth.User) error {
			_, err := manager.Create(ctx, tx, a, newUser(auth.RoleOwner))
			return err
		}},
		{"promote member to owner", func(tx *tenantdb.Tx, a *auth.User) error {
			_, err := manager.Update(ctx, tx, a, member.ID, auth.Changes{Role: new(auth.RoleOwner)})
			return err
		}},
		{"demote an owner", func(tx *tenantdb.Tx, a *auth.User) error {
			_, err := manager.Update(ctx, tx, a, owner2.ID, auth.Changes{Role: new(auth.RoleAdmin)})
			return err
		}},
		{"change an owner's password", func(tx *tenantdb.Tx, a *auth.User) error {
			_, err := manager.Update(ctx, tx, a, owner2.ID, auth.Changes{Password: new("taken-over")})
			return err
		}},
		{"deactivate an owner", func(tx *tenantdb.Tx, a *auth.User) error {
			_, err := manager.Update(ctx, tx, a, owner2.ID, auth.Changes{IsActive: new(false)})
			return err
		}},
		{"delete an owner", func(tx *tenantdb.Tx, a *auth.User) error {
			return manager.Delete(ctx, tx, a, owner2.ID)
		}},
		{"make member viewer", func(tx *tenantdb.Tx, a *auth.User) error {
			_, err := manager.Update(ctx, tx, a, member.ID, auth.Changes{Role: new(auth.RoleViewer)})
			return err
		}},
		{"deactivate member", func(tx *tenantdb.Tx, a *auth.User) error {
			_, err := manager.Update(ctx, tx, a, member.ID, auth.Changes{IsActive: new(false)})
			return err
		}},
		{"delete member", func(tx *tenantdb.Tx, a *auth.User) error {
			return manager.Delete(ctx, tx, a, member.ID)
		}},
	}
	// allowed lists, per actor role, the actions it may take; the others must
	// give ErrForbidden.
	allowed := map[string][]string{
		auth.RoleOwner: {"create member", "create admin", "create owner", "promote member to owner", "demote an owner",
			"change an owner's password", "deactivate an owner", "delete an owner", "make member viewer",
			"deactivate member", "delete member"},
		auth.RoleAdmin:   {"create member", "create admin", "make member viewer", "deactivate member", "delete member"},
		auth.RoleMember:  nil,
		auth.RoleViewer:  nil,
		auth.RoleBilling: nil,
		"undeclared":     nil,
	}
	for role, may := range allowed {
		actor := &auth.User{ID: f.owner.ID, Username: "actor", Role: role, IsActive: true}
		for _, a := range actions {
			err := f.tryThenRollBack(t, func(tx *tenantdb.Tx) error { return a.do(tx, actor) })
			switch want := slices.Contains(may, a.name); {
			case want && err != nil:
				t.Errorf("%s may %s: got %v", role, a.name, err)
			case !want && !errors.Is(err, auth.ErrForbidden):
				t.Errorf("%s may not %s: got %v, want ErrForbidden", role, a.name, err)
			}
		}
	}
}

func TestUndeclaredRoleIsRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	err := f.tryThenRollBack(t, func(tx *tenantdb.Tx) error {
		_, err := manager.Create(ctx, tx, f.owner, auth.NewUser{Username: "x", Email: "x@alpha.test", Password: "x-password", Role: "wizard"})
		return err
	})
	var ve *tenantry.ValidationError
	if !errors.As(err, &ve) || ve.Field != "role" {
		t.Errorf("create a wizard: got %v, want a validation error of role", err)
	}
	err = f.tryThenRollBack(t, func(tx *tenantdb.Tx) error {
		_, err := manager.Update(ctx, tx, f.owner, f.owner.ID, auth.Changes{Role: new("wizard")})
		return err
	})
	if !errors.As(err, &ve) || ve.Field != "role" {
		t.Errorf("make the owner a wizard: got %v, want a validation error of role", err)
	}
}

func TestLastActiveOwnerCannotBeRemoved(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	removals := []struct {
		name string
		do   func(tx *tenantdb.Tx, id int64) error
	}{
		{"demote", func(tx *tenantdb.Tx, id int64) error {
			_, err := manager.Update(ctx, tx, f.owner, id, auth.Changes{Role: new(auth.RoleAdmin)})
			return err
		}},
		{"deactivate", func(tx *tenantdb.Tx, id int64) error {
			_, err := manager.Update(ctx, tx, f.owner, id, auth.Changes{IsActive: new(false)})
			return err
		}},
		{"delete", func(tx *tenantdb.Tx, id int64) error { return manager.Delete(ctx, tx, f.owner, id) }},
	}
	check := func(stage string, want error) {
		t.Helper()
		for _, r := range removals {
			err := f.tryThenRollBack(t, func(tx *tenantdb.Tx) error { return r.do(tx, f.owner.ID) })
			if !errors.Is(err, want) {
				t.Errorf("%s: %s the owner: got %v, want %v", stage, r.name, err, want)
			}
		}
	}
	check("alone", auth.ErrLastOwner)

	second := f.createUser(t, "second", auth.RoleOwner)
	f.exec(t, "UPDATE users SET is_active = false WHERE id = $1", second.ID)
	check("with an inactive second owner", auth.ErrLastOwner)

	f.exec(t, "UPDATE users SET is_active = true WHERE id = $1", second.ID)
	check("with a second owner", nil)
}

// TestConcurrentDemotionsKeepAnOwner demotes each of the only two owners in
// two transactions, the second started while the first is open.
func TestConcurrentDemotionsKeepAnOwner(t *testing.T) {
	t.Parallel()
	f := setup(t)
	second := f.createUser(t, "second", auth.RoleOwner)
	ctx := context.Background()
	demote := func(id int64) func(tx *tenantdb.Tx) error {
		return func(tx *tenantdb.Tx) error {
			_, err := manager.Update(ctx, tx, f.owner, id, auth.Changes{Role: new(auth.RoleAdmin)})
			return err
		}
	}
	errFirst, errSecond := f.overlap(t, demote(f.owner.ID), demote(second.ID))
	if errFirst != nil || !errors.Is(errSecond, auth.ErrLastOwner) {
		t.Errorf("got %v and %v, want nil and ErrLastOwner", errFirst, errSecond)
	}
	assertOwners(t, f, 1)
}

// TestSimultaneousDemotionsKeepAnOwner starts the two demotions at the same
// moment, many times, so that each may lock its own target before the
// other's: they must queue, not deadlock.
func TestSimultaneousDemotionsKeepAnOwner(t *testing.T) {
	t.Parallel()
	f := setup(t)
	second := f.createUser(t, "second", auth.RoleOwner)
	ctx := context.Background()
	for round := range 30 {
		start := make(chan struct{})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, id := range []int64{f.owner.ID, second.ID} {
			wg.Go(func() {
				errs[i] = f.env.DB.InTenant(ctx, f.ten, func(tx *tenantdb.Tx) error {
					<-start
					_, err := manager.Update(ctx, tx, f.owner, id, auth.Changes{Role: new(auth.RoleAdmin)})
					return err
				})
			})
		}
		close(start)
		wg.Wait()
		ok, last := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, auth.ErrLastOwner):
				last++
			}
		}
		if ok != 1 || last != 1 {
			t.Fatalf("round %d: got %v and %v, want one nil and one ErrLastOwner", round, errs[0], errs[1])
		}
		assertOwners(t, f, 1)
		f.exec(t, "UPDATE users SET role = 'owner' WHERE id IN ($1, $2)", f.owner.ID, second.ID)
	}
}

func assertOwners(t *testing.T, f *fixture, want int) {
	t.Helper()
	var n int
	f.in(t, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT count(*) FROM users WHERE role = 'owner' AND is_active").Scan(&n)
	})
	if n != want {
		t.Errorf("%d active owners, want %d", n, want)
	}
}

func TestCustomRoleCanDoWhatItDeclares(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	m := auth.Manager{Policy: auth.DefaultPolicy.With("recruiter", auth.UsersRead, auth.UsersManage)}
	recruiter := &auth.User{ID: f.owner.ID, Username: "rita", Role: "recruiter", IsActive: true}
	member := f.createUser(t, "member1", auth.RoleMember)

	err := f.tryThenRollBack(t, func(tx *tenantdb.Tx) error {
		u, err := m.Create(ctx, tx, recruiter, auth.NewUser{Username: "hire", Email: "hire@alpha.test", Password: "hire-password"})
		if err == nil && u.Role != auth.RoleMember {
			t.Errorf("a user created without a role is %q, want member", u.Role)
		}
		return err
	})
	if err != nil {
		t.Errorf("recruiter creates a member: %v", err)
	}
	if err := f.tryThenRollBack(t, func(tx *tenantdb.Tx) error { return m.Delete(ctx, tx, recruiter, member.ID) }); err != nil {
		t.Errorf("recruiter deletes a member: %v", err)
	}
	err = f.tryThenRollBack(t, func(tx *tenantdb.Tx) error {
		_, err := m.Create(ctx, tx, recruiter, auth.NewUser{Username: "boss", Email: "boss@alpha.test", Password: "boss-password", Role: auth.RoleOwner})
		return err
	})
	if !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("recruiter creates an owner: got %v, want ErrForbidden", err)
	}
	err = f.tryThenRollBack(t, func(tx *tenantdb.Tx) error {
		_, err := m.Update(ctx, tx, f.owner, member.ID, auth.Changes{Role: new("recruiter")})
		return err
	})
	if err != nil {
		t.Errorf("owner makes a member a recruiter: %v", err)
	}
	err = f.tryThenRollBack(t, func(tx *tenantdb.Tx) error {
		_, err := manager.Update(ctx, tx, f.owner, member.ID, auth.Changes{Role: new("recruiter")})
		return err
	})
	var ve *tenantry.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("the default policy gives the recruiter role: got %v, want a validation error", err)
	}
}

// TestRoleThatManagesOwnersIsGivenOnlyByOwners checks that a custom role
// holding OwnersManage is guarded like owner itself: otherwise an admin could
// make someone a "superadmin", who could then make owners.
func TestRoleThatManagesOwnersIsGivenOnlyByOwners(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	m := auth.Manager{Policy: auth.DefaultPolicy.With("superadmin", auth.UsersManage, auth.OwnersManage)}
	admin := &auth.User{ID: f.owner.ID, Username: "adam", Role: auth.RoleAdmin, IsActive: true}
	member := f.createUser(t, "member1", auth.RoleMember)
	super := f.createUser(t, "super", "superadmin")

	attempts := map[string]func(tx *tenantdb.Tx, actor *auth.User) error{
		"create a superadmin": func(tx *tenantdb.Tx, a *auth.User) error {
			_, err := m.Create(ctx, tx, a, auth.NewUser{Username: "s2", Email: "s2@alpha.test", Password: "s2-password", Role: "superadmin"})
			return err
		},
		"make a member superadmin": func(tx *tenantdb.Tx, a *auth.User) error {
			_, err := m.Update(ctx, tx, a, member.ID, auth.Changes{Role: new("superadmin")})
			return err
		},
		"change a superadmin's password": func(tx *tenantdb.Tx, a *auth.User) error {
			_, err := m.Update(ctx, tx, a, super.ID, auth.Changes{Password: new("taken-over")})
			return err
		},
		"delete a superadmin": func(tx *tenantdb.Tx, a *auth.User) error {
			return m.Delete(ctx, tx, a, super.ID)
		},
	}
	for name, do := range attempts {
		if err := f.tryThenRollBack(t, func(tx *tenantdb.Tx) error { return do(tx, admin) }); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("admin may not %s: got %v, want ErrForbidden", name, err)
		}
		if err := f.tryThenRollBack(t, func(tx *tenantdb.Tx) error { return do(tx, f.owner) }); err != nil {
			t.Errorf("owner may %s: got %v", name, err)
		}
	}
}

func TestDeactivationAndPasswordChangeEndSessions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	cases := []struct {
		name, user string
		change     auth.Changes
	}{
		{"deactivate", "leaver", auth.Changes{IsActive: new(false)}},
		{"change password", "forgetful", auth.Changes{Password: new("brand-new-password")}},
	}
	for _, c := range cases {
		u := f.createUser(t, c.user, auth.RoleMember)
		keep := f.createUser(t, "colleague-of-"+c.user, auth.RoleMember)
		var tokens []string
		f.in(t, func(tx *tenantdb.Tx) error {
			for _, id := range []int64{u.ID, u.ID, keep.ID} {
				tok, err := auth.NewRefresh(ctx, tx, id)
				if err != nil {
					return err
				}
				tokens = append(tokens, tok)
			}
			_, err := manager.Update(ctx, tx, f.owner, u.ID, c.change)
			return err
		})
		for i, tok := range tokens[:2] {
			if _, _, err := rotate(t, f, tok); !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("%s: session %d of the user: got %v, want ErrInvalidToken", c.name, i+1, err)
			}
		}
		if _, _, err := rotate(t, f, tokens[2]); err != nil {
			t.Errorf("%s: another user's session: %v", c.name, err)
		}
	}
}

func TestEmailChangeKeepsSessions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	u := f.createUser(t, "ana", auth.RoleMember)
	var tok string
	f.in(t, func(tx *tenantdb.Tx) error {
		var err error
		if tok, err = auth.NewRefresh(ctx, tx, u.ID); err != nil {
			return err
		}
		got, err := manager.Update(ctx, tx, f.owner, u.ID, auth.Changes{Email: new("Ana.New@Alpha.Test")})
		if err == nil && got.Email != "ana.new@alpha.test" {
			t.Errorf("email = %q, want it in lower case", got.Email)
		}
		return err
	})
	if _, _, err := rotate(t, f, tok); err != nil {
		t.Errorf("session after an email change: %v", err)
	}
}
