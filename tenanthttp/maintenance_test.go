package tenanthttp_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/tenantry/tenantry/tenanthttp"
)

// A tenant in maintenance gets 503 with Retry-After, alone; taken out, it
// is served again.
func TestMaintenanceIs503WithRetryAfterForThatTenantOnly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cfg  *tenanthttp.Config
		want string
	}{
		{nil, "30"},
		{&tenanthttp.Config{MaintenanceRetryAfter: 90 * time.Second}, "90"},
	}
	for _, c := range cases {
		env, h := setup(t, c.cfg)
		if _, err := env.Registry.SetMaintenance(t.Context(), "alpha", true); err != nil {
			t.Fatal(err)
		}
		w := serve(h, "alpha.test")
		p := checkProblem(t, http.StatusServiceUnavailable, w.Header(), w.Body.Bytes())
		if w.Header().Get("Retry-After") != c.want || p.Detail != "this tenant is under maintenance, retry shortly" {
			t.Errorf("alpha in maintenance: Retry-After %q, %q; want %s", w.Header().Get("Retry-After"), p.Detail, c.want)
		}
		checkServed(t, h, "beta.test", "beta")
		if _, err := env.Registry.SetMaintenance(t.Context(), "alpha", false); err != nil {
			t.Fatal(err)
		}
		checkServed(t, h, "alpha.test", "alpha")
	}
}
