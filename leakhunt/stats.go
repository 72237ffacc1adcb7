package leakhunt

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// The kinds of error a hunt counts. None is a leak; leaks are counted apart.
const (
	// Error5xx is a 5xx answer a client received.
	Error5xx = "5xx answered"
	// ErrorServer5xx is a 5xx the server logged for a request no client
	// saw answered nor cut short.
	ErrorServer5xx = "5xx logged by the server"
	// ErrorServerLog is a line the server logged at level error, other
	// than for a request its client cut short.
	ErrorServerLog = "error logged by the server"
	// ErrorStatus is an answer with a status the request should not get.
	ErrorStatus = "unexpected status"
	// ErrorTransport is a request that got no answer without being
	// cancelled.
	ErrorTransport = "transport"
	// ErrorLibrary is a library call that failed other than as provoked.
	ErrorLibrary = "unexpected library error"
)

// The kinds of warning: what the server did for requests their clients had
// cut short (disconnected, timed out, sent in part). No client saw it, and
// the rule exempts such requests, but a server should not answer a
// gone client's request with 500 nor log it as an internal error.
const (
	WarnAbandoned5xx = "5xx logged for a request its client had cut short"
	WarnAbandonedLog = "error logged for a request its client had cut short"
)

// examplesKept is how many examples of each kind of error, and of leaks, a
// report keeps.
const examplesKept = 5

// Finding is one leak: what was done, in which tenant, and what showed.
type Finding struct {
	Action string
	Tenant string // the slug of the tenant the request or transaction was for
	What   string
}

func (f Finding) String() string { return f.Action + " in " + f.Tenant + ": " + f.What }

// ActionStats are the figures of one kind of action.
type ActionStats struct {
	Runs     int            // requests sent or library operations run
	Outcomes map[string]int // by status ("200") or outcome ("cancelled", "ok", "rolled back")
	Errors   int
	Leaks    int
	P50, P99 time.Duration // of the requests answered or operations done

	latencies []time.Duration
}

// stats are one client's counts, merged into the report at the end.
type stats struct {
	actions      map[string]*ActionStats
	errors       map[string]int
	examples     map[string][]string
	leaks        int
	findings     []Finding
	latencies    []time.Duration // of HTTP requests answered
	requests     int
	libraryOps   int
	abandoned    map[string]bool // ids of the requests cut short
	seen5xx      map[string]bool // ids of the requests answered 5xx
	warnings     map[string]int
	warnExamples map[string][]string
}

func newStats() *stats {
	return &stats{actions: map[string]*ActionStats{}, errors: map[string]int{}, examples: map[string][]string{},
		abandoned: map[string]bool{}, seen5xx: map[string]bool{}, warnings: map[string]int{}, warnExamples: map[string][]string{}}
}

func (s *stats) action(name string) *ActionStats {
	a := s.actions[name]
	if a == nil {
		a = &ActionStats{Outcomes: map[string]int{}}
		s.actions[name] = a
	}
	return a
}

// answered records an HTTP answer of status after latency.
func (s *stats) answered(name string, status int, latency time.Duration) {
	s.requests++
	a := s.action(name)
	a.Runs++
	a.Outcomes[strconv.Itoa(status)]++
	a.latencies = append(a.latencies, latency)
	s.latencies = append(s.latencies, latency)
}

// unanswered records an HTTP request that got no answer: outcome says why.
func (s *stats) unanswered(name, outcome string) {
	s.requests++
	a := s.action(name)
	a.Runs++
	a.Outcomes[outcome]++
}

// operation records a library operation's outcome.
func (s *stats) operation(name, outcome string, latency time.Duration) {
	s.libraryOps++
	a := s.action(name)
	a.Runs++
	a.Outcomes[outcome]++
	a.latencies = append(a.latencies, latency)
}

// fail records an error of kind during action name.
func (s *stats) fail(name, kind, format string, args ...any) {
	s.action(name).Errors++
	s.errors[kind]++
	if len(s.examples[kind]) < examplesKept {
		s.examples[kind] = append(s.examples[kind], name+": "+fmt.Sprintf(format, args...))
	}
}

// leak records a leak.
func (s *stats) leak(f Finding) {
	s.action(f.Action).Leaks++
	s.leaks++
	if len(s.findings) < examplesKept {
		s.findings = append(s.findings, f)
	}
}

// merge adds o's counts to s.
func (s *stats) merge(o *stats) {
	for name, oa := range o.actions {
		a := s.action(name)
		a.Runs += oa.Runs
		a.Errors += oa.Errors
		a.Leaks += oa.Leaks
		for k, n := range oa.Outcomes {
			a.Outcomes[k] += n
		}
		a.latencies = append(a.latencies, oa.latencies...)
	}
	for kind, n := range o.errors {
		s.errors[kind] += n
		room := examplesKept - len(s.examples[kind])
		s.examples[kind] = append(s.examples[kind], o.examples[kind][:min(room, len(o.examples[kind]))]...)
	}
	s.leaks += o.leaks
	s.findings = append(s.findings, o.findings[:min(examplesKept-len(s.findings), len(o.findings))]...)
	s.latencies = append(s.latencies, o.latencies...)
	s.requests += o.requests
	s.libraryOps += o.libraryOps
	maps.Copy(s.abandoned, o.abandoned)
	maps.Copy(s.seen5xx, o.seen5xx)
}

// warn records a warning of kind.
func (s *stats) warn(kind, example string) {
	s.warnings[kind]++
	if len(s.warnExamples[kind]) < examplesKept {
		s.warnExamples[kind] = append(s.warnExamples[kind], example)
	}
}

// failServer records an error of kind the server logged.
func (s *stats) failServer(kind, example string) {
	s.errors[kind]++
	if len(s.examples[kind]) < examplesKept {
		s.examples[kind] = append(s.examples[kind], example)
	}
}

// percentiles returns the nearest-rank 50th and 99th percentiles of ds,
// sorting it.
func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	slices.Sort(ds)
	rank := func(p int) time.Duration { return ds[max((p*len(ds)+99)/100, 1)-1] }
	return rank(50), rank(99)
}
