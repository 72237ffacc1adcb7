package leakhunt

import "context"

// action is one kind of thing a client does; weight is how often, relative
// to the others.
type action struct {
	name   string
	weight int
	run    func(c *client, ctx context.Context)
}

// actions are everything the clients do: the API's endpoints, with and
// without the rights they need, with other tenants' ids and tokens, with
// invalid input, cut short; and the library's tenant transactions with
// savepoints, failures, panics and timeouts inside. An answer of an action
// is recorded under its name, except where noted (login records login,
// refresh and revoke).
var actions = []action{
	{"list_items", 20, (*client).listItems},
	{"get_item", 10, (*client).getItem},
	{"get_foreign_item", 8, (*client).getForeignItem},
	{"write_foreign_item", 4, (*client).writeForeignItem},
	{"create_item", 8, (*client).createItem},
	{"create_invalid", 5, (*client).createInvalid},
	{"stale_if_match", 4, (*client).staleIfMatch},
	{"put_item", 3, (*client).putItem},
	{"delete_item", 3, (*client).deleteItem},
	{"profile", 6, (*client).profile},
	{"tenant_info", 3, (*client).tenantInfo},
	{"list_users", 5, (*client).listUsers},
	{"get_user", 3, (*client).getUser},
	{"user_conflict", 2, (*client).userConflict},
	{"create_user_duplicate", 1, (*client).createUserDuplicate},
	{"foreign_token", 4, (*client).foreignToken},
	{"bad_token", 1, (*client).badToken},
	{"unknown_host", 1, (*client).unknownHost},
	{"login", 1, (*client).login},
	{"login_failed", 1, (*client).loginFailed},
	{"disconnect", 5, (*client).disconnect},
	{"timeout", 5, (*client).timeout},
	{"half_request", 1, (*client).halfRequest},
	{"lib_savepoint", 4, (*client).libSavepoint},
	{"lib_savepoint_error", 3, (*client).libSavepointError},
	{"lib_error_then_fresh", 3, (*client).libErrorThenFresh},
	{"lib_pipeline_error", 2, (*client).libPipelineError},
	{"lib_panic", 1, (*client).libPanic},
	{"lib_timeout", 2, (*client).libTimeout},
	{"pool_hygiene", 3, (*client).poolHygiene},
}

var totalWeight = func() int {
	n := 0
	for _, a := range actions {
		n += a.weight
	}
	return n
}()

// ActionNames lists the names under which a run records what it does: the
// actions, and the requests recorded under names of their own.
func ActionNames() []string {
	names := []string{"refresh", "revoke"}
	for _, a := range actions {
		names = append(names, a.name)
	}
	return names
}
