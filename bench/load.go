package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Target is one tenant the load generator sends requests to.
type Target struct {
	Host  string `json:"host"`  // the tenant's domain, sent as Host
	Token string `json:"token"` // an access token of one of its users
}

// LoadSpec is what the load generator process is told to do. The parent
// writes it as JSON to the child's standard input.
type LoadSpec struct {
	URL      string        `json:"url"` // e.g. http://127.0.0.1:41234/api/items/
	Targets  []Target      `json:"targets"`
	Clients  int           `json:"clients"`
	Duration time.Duration `json:"duration"`
}

// LoadResult is what the load generator measured; it prints it as JSON.
type LoadResult struct {
	Requests int           `json:"requests"`
	Errors   int           `json:"errors"` // transport errors and non-200 answers
	Elapsed  time.Duration `json:"elapsed"`
	P50      time.Duration `json:"p50"`
	P99      time.Duration `json:"p99"`
}

// RPS is the rate of successful requests.
func (r LoadResult) RPS() float64 { return perSecond(r.Requests-r.Errors, r.Elapsed) }

// Load runs a load generator: spec.Clients keep-alive clients, each sending
// GET spec.URL to the targets in turn, for spec.Duration. It reads the spec
// from in and writes the result to out, both JSON: it is meant to run in a
// process of its own ("tenantry bench load"), so that the server it measures
// does not share its Go runtime.
func Load(ctx context.Context, in io.Reader, out io.Writer) error {
	var spec LoadSpec
	if err := json.NewDecoder(in).Decode(&spec); err != nil {
		return fmt.Errorf("read load spec: %w", err)
	}
	if spec.Clients < 1 || len(spec.Targets) == 0 || spec.Duration <= 0 {
		return fmt.Errorf("load spec needs clients, targets and a duration")
	}
	res := generate(ctx, &spec)
	return json.NewEncoder(out).Encode(res)
}

func generate(ctx context.Context, spec *LoadSpec) LoadResult {
	ctx, cancel := context.WithTimeout(ctx, spec.Duration)
	defer cancel()
	transport := &http.Transport{MaxIdleConnsPerHost: spec.Clients, MaxConnsPerHost: spec.Clients}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var all []time.Duration
	errors := 0
	start := time.Now()
	var wg sync.WaitGroup
	for c := range spec.Clients {
		wg.Go(func() {
			lat, errs := runClient(ctx, client, spec, c)
			mu.Lock()
			all = append(all, lat...)
			errors += errs
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	res := LoadResult{Requests: len(all), Errors: errors, Elapsed: elapsed}
	if len(all) > 0 {
		res.P50, res.P99 = rank(all, 50), rank(all, 99)
	}
	return res
}

// runClient sends requests one after another until ctx ends, starting at
// target number first, and returns each request's latency and the number
// that failed.
func runClient(ctx context.Context, client *http.Client, spec *LoadSpec, first int) ([]time.Duration, int) {
	var lat []time.Duration
	errs := 0
	for i := first; ctx.Err() == nil; i++ {
		t := spec.Targets[i%len(spec.Targets)]
		begin := time.Now()
		ok := get(ctx, client, spec.URL, t)
		if ctx.Err() != nil {
			break // cut off by the end of the run: not a measurement
		}
		lat = append(lat, time.Since(begin))
		if !ok {
			errs++
		}
	}
	return lat, errs
}

func get(ctx context.Context, client *http.Client, url string, t Target) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	req.Host = t.Host
	req.Header.Set("Authorization", "Bearer "+t.Token)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body) // drain so the connection is reused
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
