package export

import "errors"

// Errors of reading and restoring archives; match them with errors.Is. Each
// is returned wrapped, with what was wrong.
var (
	// ErrCorrupt: the archive is truncated, altered or not an archive of
	// Tenantry's: a checksum, a size, the digest or the gzip trailer does
	// not match, a member is missing, repeated or unexpected.
	ErrCorrupt = errors.New("the archive is damaged or altered")
	// ErrFormatVersion: the archive is of another major format version than
	// this binary reads.
	ErrFormatVersion = errors.New("the archive's format version is not one this binary reads")
	// ErrNewer: the archive's schema has migrations this binary does not
	// know: it was made by a newer version of the application.
	ErrNewer = errors.New("the archive was made by a newer version of the application")
	// ErrMigrationMismatch: a migration of the archive's schema has the
	// number of one this binary knows but another checksum.
	ErrMigrationMismatch = errors.New("the archive's migrations differ from this binary's")
)
