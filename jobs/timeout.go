package jobs

import (
	"fmt"
	"time"
)

// Timeouts bound one attempt of each kind of job: when its time is up, the
// attempt's context is cancelled, the attempt fails and River retries it.
// They also decide when a job left running by a process that died is
// rescued (Config.RescueAfter). A zero field takes its default.
type Timeouts struct {
	// Mail bounds an attempt of an EmailArgs or WelcomeArgs job, the SMTP
	// delivery included. Default 1 minute.
	Mail time.Duration
	// Seed bounds an attempt of a SeedArgs job: every hook. Default 2
	// minutes.
	Seed time.Duration
	// Refill bounds an attempt of a RefillArgs job; the spares it made
	// before that stay. Default 5 minutes.
	Refill time.Duration
	// Other bounds the attempts of application workers whose Timeout
	// returns 0 (River's JobTimeout). Default 1 minute.
	Other time.Duration
}

// The defaults of Timeouts' fields.
const (
	defaultMailTimeout   = time.Minute
	defaultSeedTimeout   = 2 * time.Minute
	defaultRefillTimeout = 5 * time.Minute
	defaultOtherTimeout  = time.Minute
)

// rescueMargin is how much longer than the longest timeout a job must have
// been running before it is rescued: time for an attempt whose context
// was cancelled to return and be recorded.
const rescueMargin = 2 * time.Minute

// withDefaults returns t with its zero fields set to their defaults.
func (t Timeouts) withDefaults() Timeouts {
	if t.Mail == 0 {
		t.Mail = defaultMailTimeout
	}
	if t.Seed == 0 {
		t.Seed = defaultSeedTimeout
	}
	if t.Refill == 0 {
		t.Refill = defaultRefillTimeout
	}
	if t.Other == 0 {
		t.Other = defaultOtherTimeout
	}
	return t
}

// validate refuses negative timeouts, naming the field.
func (t Timeouts) validate() error {
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"Mail", t.Mail}, {"Seed", t.Seed}, {"Refill", t.Refill}, {"Other", t.Other}} {
		if f.d < 0 {
			return fmt.Errorf("jobs config: Timeouts.%s must not be negative, got %v", f.name, f.d)
		}
	}
	return nil
}

// rescueAfter is Config.RescueAfter's default for t (with its defaults
// applied): the longest timeout plus rescueMargin.
func (t Timeouts) rescueAfter() time.Duration {
	return max(t.Mail, t.Seed, t.Refill, t.Other) + rescueMargin
}
