// Package migrate applies a numbered set of SQL migrations to one schema.
//
// A Set is loaded from an fs.FS of files named NNNN_name.sql. Apply runs,
// inside the caller's transaction, every migration the schema has not had
// yet, in order, and records each in the schema's own tenantry_migrations
// ledger with a checksum of its text. A migration edited after it was applied
// is reported, never re-run. Concurrent Apply calls on one schema serialise on
// a transaction-level advisory lock, so no migration is applied twice.
//
// Running across many schemas (selectors, parallel workers, the fleet summary
// table) is the fleet package's job; this package does one schema well.
package migrate
