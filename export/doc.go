// Package export writes one tenant to a portable archive and restores an
// archive as a new tenant.
//
// An archive is a gzip-compressed tar file whose first member,
// manifest.json, describes the rest: the archive format's version, the
// tenant's registry row, its schema's migration ledger and the shared
// set's, the row count of every table, and the size and SHA-256 of every
// other member, with a digest over them all. The members are the tenant's
// schema as PostgreSQL's own pg_dump writes it (custom format, without
// owners or privileges), the tenant's registry row, and its rows in every
// shared table that has a tenant_id column (domains, email domains, join
// requests, signups, the audit log, and an application's own), one JSON
// object per line.
//
// Exporter.WriteFile reads the registry and the shared rows in the same
// snapshot as pg_dump, so the archive is one consistent moment of the
// tenant, and takes the tenant's lock shared meanwhile, so that a delete
// waits for it; a tenant being deleted is refused. Exporter.Import checks
// the whole archive (every member's size and checksum, the digest, the
// gzip trailer) before it touches the database, then restores the tenant
// under a new slug, with a fresh id and role, in one transaction: the
// schema from the dump, renamed, with the grants provisioning gives; the
// registry row; the shared rows. A newer migration level than the binary
// knows is refused; an older one is migrated forward in the same
// transaction. Nothing is left behind by a refused or failed import.
//
// Portable writes a tenant's data as JSON, one file per table in a zip, for
// data-portability requests; Scheduler runs exports of every tenant as
// periodic jobs and prunes old archives.
package export
