// Package sqlquote is the one place where Tenantry turns names and values
// into SQL text, for the few statements that cannot take parameters: DDL
// (schemas, roles, grants) and the multi-statement transaction preamble.
package sqlquote

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

// Ident quotes a possibly qualified identifier: Ident("tenant_a", "items")
// gives "tenant_a"."items".
func Ident(parts ...string) string {
	return pgx.Identifier(parts).Sanitize()
}

// Literal quotes s as a standard-conforming SQL string literal. NUL bytes,
// which PostgreSQL cannot store in text, are dropped.
func Literal(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
