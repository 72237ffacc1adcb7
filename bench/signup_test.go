package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestSignupMeasuresBothPaths(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	res, err := Signup(context.Background(), config(t, &out), 2)
	if err != nil {
		t.Fatalf("Signup: %v", err)
	}
	t.Log("\n" + out.String())
	if len(res.Modes) != 2 || res.Modes[0].Name != "spare pool" || res.Modes[1].Name != "cold" {
		t.Fatalf("modes %+v", res.Modes)
	}
	for _, m := range res.Modes {
		if m.Total.N != 2 || m.Verify.Min <= 0 || m.First.Min <= 0 || m.Total.Min < m.Verify.Min {
			t.Errorf("%s: %+v", m.Name, m)
		}
	}
	if !strings.Contains(out.String(), "first authenticated GET /api/profile/") {
		t.Errorf("output lacks its description:\n%s", out.String())
	}
}
