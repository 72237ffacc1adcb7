package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestNeighboursMeasuresBothTenantsInEveryPhase runs the noisy-neighbour
// benchmark briefly: the quiet tenant is always answered in full, the noisy
// one is refused with 429 while its plan is enforced and served when the
// plan's limits are lifted. Latencies are printed, never asserted.
func TestNeighboursMeasuresBothTenantsInEveryPhase(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	res, err := Neighbours(context.Background(), config(t, &out), NeighboursOptions{Rate: 10, Factor: 5, QuietRate: 5,
		Warmup: 300 * time.Millisecond, Duration: 2 * time.Second})
	if err != nil {
		t.Fatalf("Neighbours: %v", err)
	}
	t.Log("\n" + out.String())
	if len(res.Phases) != 5 {
		t.Fatalf("got %d rows, want 5 (quiet alone; quiet and noisy, enforced and lifted)", len(res.Phases))
	}
	for i, p := range res.Phases {
		if p.Sent == 0 || p.P50 <= 0 || p.P50 > p.P99 {
			t.Errorf("row %d (%s, %s): %+v", i, p.Phase, p.Tenant, p.Paced)
		}
		switch {
		case p.Tenant == "quiet" && (p.OK != p.Sent || p.Limited != 0):
			t.Errorf("%s: the quiet tenant within its plan got %d of %d answered, %d limited", p.Phase, p.OK, p.Sent, p.Limited)
		case p.Tenant == "noisy" && i == 2 && (p.Limited == 0 || p.OK == 0):
			t.Errorf("%s: the noisy tenant at 5x its rate got %d answered and %d limited; want both", p.Phase, p.OK, p.Limited)
		case p.Tenant == "noisy" && i == 4 && p.Limited != 0:
			t.Errorf("%s: %d limited with the plan's limits lifted", p.Phase, p.Limited)
		}
	}
	for _, want := range []string{"quiet alone", "plans enforced", "plans lifted", "after a warm-up of 300ms"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
