package tenanthttp_test

import (
	"net/http"
	"testing"
)

// A tenant being deleted is answered as a host no tenant serves, word for
// word: never 503 (it is not coming back), never its handler.
func TestDeletingTenantGets404LikeAnUnknownHost(t *testing.T) {
	t.Parallel()
	env, h := setup(t, nil)
	alpha, err := env.Registry.Find(t.Context(), "alpha")
	if err != nil {
		t.Fatal(err)
	}
	checkServed(t, h, "alpha.test", "alpha") // now cached
	if _, err := env.Pool.Exec(t.Context(), "UPDATE public.tenants SET status = 'deleting' WHERE id = $1", alpha.ID); err != nil {
		t.Fatal(err)
	}
	env.Registry.Invalidate(alpha.ID) // as the change's notification does

	w := serve(h, "alpha.test")
	unknown := serve(h, "gamma.test")
	p := checkProblem(t, http.StatusNotFound, w.Header(), w.Body.Bytes())
	if p.Detail != "no tenant serves this host" || w.Body.String() != unknown.Body.String() {
		t.Errorf("deleting tenant got %q, want the unknown host's %q", w.Body, unknown.Body)
	}
	checkServed(t, h, "beta.test", "beta")
}
