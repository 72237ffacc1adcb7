package bench

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// PaceSpec is an open-loop load: Rate requests per second to Target, sent
// on schedule whether or not earlier answers came back. The load runs for
// Warmup and then Duration; only requests sent during Duration are
// counted, so that what every run starts with (new connections, caches
// filling, the first burst a rate limit allows) is left out of the
// figures of the steady state.
type PaceSpec struct {
	URL      string
	Target   Target
	Rate     float64
	Warmup   time.Duration
	Duration time.Duration
}

// Paced is what a paced load measured.
type Paced struct {
	Sent    int
	OK      int // 200
	Limited int // 429
	Other   int // other statuses and transport errors
	Dropped int // due but not sent: every sender was busy
	Elapsed time.Duration
	P50     time.Duration
	P99     time.Duration
}

// paceAll runs the loads at once and returns their figures in order.
func paceAll(ctx context.Context, specs []PaceSpec) []Paced {
	out := make([]Paced, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Go(func() { out[i] = pace(ctx, s) })
	}
	wg.Wait()
	return out
}

// maxInFlight bounds the requests of one paced load waiting for answers.
const maxInFlight = 256

func pace(ctx context.Context, spec PaceSpec) Paced {
	ctx, cancel := context.WithTimeout(ctx, spec.Warmup+spec.Duration)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: maxInFlight}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	var res Paced
	var lat []time.Duration
	slots := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / spec.Rate)
	first := time.Now()
	start := first.Add(spec.Warmup) // counting begins
	for next := first; ctx.Err() == nil; next = next.Add(interval) {
		if d := time.Until(next); d > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
			if ctx.Err() != nil {
				break
			}
		}
		counted := !next.Before(start)
		select {
		case slots <- struct{}{}:
		default:
			if counted {
				mu.Lock()
				res.Dropped++
				mu.Unlock()
			}
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			begin := time.Now()
			status := send(ctx, client, spec)
			if ctx.Err() != nil || !counted {
				return // cut off by the end of the run, or sent while warming up
			}
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, time.Since(begin))
			res.Sent++
			switch status {
			case http.StatusOK:
				res.OK++
			case http.StatusTooManyRequests:
				res.Limited++
			default:
				res.Other++
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	slices.Sort(lat)
	if len(lat) > 0 {
		res.P50, res.P99 = rank(lat, 50), rank(lat, 99)
	}
	return res
}

// send makes one request and returns its status, 0 for a transport error.
func send(ctx context.Context, client *http.Client, spec PaceSpec) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, spec.URL, nil)
	if err != nil {
		return 0
	}
	req.Host = spec.Target.Host
	req.Header.Set("Authorization", "Bearer "+spec.Target.Token)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body) // drain so the connection is reused
	resp.Body.Close()
	return resp.StatusCode
}
