package jobs

import (
	"github.com/riverqueue/river"

	"github.com/tenantry/tenantry/mail"
)

// TenantJob is implemented by the arguments of jobs that run inside a
// tenant; embedding TenantArgs implements it.
type TenantJob interface {
	JobTenant() int64
}

// TenantArgs binds a job to a tenant. Embed it in a job's arguments to make
// it a tenant job (see the package documentation).
type TenantArgs struct {
	TenantID int64 `json:"tenant_id"`
}

// JobTenant returns the id of the job's tenant.
func (a TenantArgs) JobTenant() int64 { return a.TenantID }

// The kinds of the built-in jobs, as stored in river_job.kind.
const (
	KindEmail   = "tenantry.email"
	KindWelcome = "tenantry.welcome"
	KindSeed    = "tenantry.seed"
	KindRefill  = "tenantry.refill"
)

// mailAttempts is how often a mail job is tried before it is discarded:
// with River's backoff (attempt^4 seconds) the last try comes about three
// hours after the first.
const mailAttempts = 10

// EmailArgs sends one message. A failure is retried (up to 10 attempts,
// with River's exponential backoff) unless the error wraps
// mail.ErrPermanent, which cancels the job.
type EmailArgs struct {
	Message mail.Message `json:"message"`
}

// Kind returns KindEmail.
func (EmailArgs) Kind() string { return KindEmail }

// InsertOpts sets the attempts of mail jobs.
func (EmailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: mailAttempts} }

// WelcomeArgs sends a tenant's user a welcome email with the address of the
// tenant's site. It is a tenant job: the user is read in the tenant's
// transaction. A user who no longer exists or is inactive gets nothing and
// the job is cancelled. Failures are retried as for EmailArgs.
type WelcomeArgs struct {
	TenantArgs
	UserID int64  `json:"user_id"`
	URL    string `json:"url"`
}

// Kind returns KindWelcome.
func (WelcomeArgs) Kind() string { return KindWelcome }

// InsertOpts sets the attempts of mail jobs.
func (WelcomeArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: mailAttempts} }

// SeedArgs runs every Config.Seeds hook in a new tenant, in one tenant
// transaction: all of them take effect or none does, and a failure is
// retried. Hooks run at least once and must be idempotent.
type SeedArgs struct {
	TenantArgs
}

// Kind returns KindSeed.
func (SeedArgs) Kind() string { return KindSeed }

// InsertOpts makes a tenant's seed job unique: whoever enqueues it (the
// provisioner's OnCreate, signup), a tenant is seeded by one job, and a
// second enqueue while or after it runs adds nothing.
func (SeedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// RefillArgs tops up the provisioner's pool of spare schemas
// (Config.Refiller). Refills may run at once, in one process or several:
// the provisioner's lock makes them take turns. EnqueueRefill adds none
// while another waits to run, since that one will do the work; one that
// is running does not count, so a refill stuck in a process that died
// never holds up the next.
type RefillArgs struct{}

// Kind returns KindRefill.
func (RefillArgs) Kind() string { return KindRefill }

// InsertOpts sets the attempts of refill jobs.
func (RefillArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }
