// Package auth holds a tenant's users: their roles and their passwords,
// hashed with argon2id. Users live in the tenant's own schema (table users),
// so every function here takes a transaction bound to that tenant.
package auth
