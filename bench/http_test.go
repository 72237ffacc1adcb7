package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestHTTPLoadsTheItemsListAndTheApplicationRoute(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	res, err := HTTP(context.Background(), config(t, &out), HTTPOptions{Tenants: 2, Clients: []int{2},
		Duration: time.Second, LoadCommand: loadCommand})
	if err != nil {
		t.Fatalf("HTTP: %v", err)
	}
	t.Log("\n" + out.String())
	if len(res.Points) != 3 {
		t.Fatalf("got %d runs, want 3 (one tenant, all, the application route)", len(res.Points))
	}
	for _, p := range res.Points {
		if p.Requests == 0 || p.Errors != 0 {
			t.Errorf("%s over %d tenants: %d requests, %d errors", p.Route, p.Tenants, p.Requests, p.Errors)
		}
	}
	if res.Points[2].Route != appRoutePath || res.Isolation.Plain.Ops == 0 || res.Isolation.Isolated.Ops == 0 {
		t.Errorf("points %+v, isolation %+v", res.Points, res.Isolation)
	}
	for _, want := range []string{"app handler (on c.Tx)", "isolated / unisolated:", "target <= 30%"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
