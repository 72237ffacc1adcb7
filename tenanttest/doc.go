// Package tenanttest gives tests a real PostgreSQL: a fresh database per
// test, migrated with the shared set, dropped with its tenant roles when the
// test ends.
//
// The server is the one at TENANTRY_TEST_DATABASE_URL when that is set (a
// URL with rights to create databases and roles), else a private cluster
// started from the machine's PostgreSQL binaries for the test binary and
// stopped by Main. Call Main from TestMain:
//
//	func TestMain(m *testing.M) { tenanttest.Main(m) }
//
// and NewDatabase(t) (or Setup(t)) in each test. Databases are cheap (a copy
// of a migrated template), so tests can run in parallel, each in its own.
package tenanttest
