package leakhunt

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
)

// These tests are the negative controls: each feeds the checks an answer
// that shows a leak or an error and sees the report fail.

func testTenant(slug string) *tenant {
	return &tenant{Tenant: &tenantry.Tenant{Slug: slug, SchemaName: "tenant_" + slug}, marker: NewMarker(slug)}
}

func TestForeignMarkers(t *testing.T) {
	own, other := NewMarker("alpha"), NewMarker("beta")
	sameSlug := NewMarker("alpha") // the same slug in another database, say
	cases := []struct {
		body string
		want []string
	}{
		{`{"name": "` + own + ` item 1"}`, nil},
		{`{"name": "no marker at all"}`, nil},
		{`{"name": "` + other + ` item 1"}`, []string{other}},
		{`[{"email": "owner.` + own + `@x.test"}, {"email": "owner.` + other + `@x.test"}]`, []string{other}},
		{`"` + sameSlug + `"`, []string{sameSlug}},
	}
	for _, c := range cases {
		if got := ForeignMarkers([]byte(c.body), own); !slices.Equal(got, c.want) {
			t.Errorf("ForeignMarkers(%s) = %v, want %v", c.body, got, c.want)
		}
	}
}

func TestUnmarkedRows(t *testing.T) {
	own := NewMarker("alpha")
	cases := []struct {
		body string
		want int
	}{
		{`{"results": [{"name": "` + own + ` 1"}, {"username": "viewer.` + own + `"}]}`, 0},
		{`{"results": []}`, 0},
		{`{"results": [{"name": "` + own + ` 1"}, {"name": "welcome"}, {"id": 3}]}`, 2},
		{`{"name": "` + own + `"}`, -1},
		{`not json`, -1},
	}
	for _, c := range cases {
		if got := UnmarkedRows([]byte(c.body), own); got != c.want {
			t.Errorf("UnmarkedRows(%s) = %d, want %d", c.body, got, c.want)
		}
	}
}

func TestAnotherTenantsRowInAnAnswerFailsTheReport(t *testing.T) {
	alpha, beta := testTenant("alpha"), testTenant("beta")
	c := &client{st: newStats()}
	body := fmt.Sprintf(`{"count": 2, "results": [{"id": 1, "name": "%s item"}, {"id": 2, "name": "%s item"}]}`,
		alpha.marker, beta.marker)
	resp := &response{status: http.StatusOK, body: []byte(body)}
	c.inspect("list_items", alpha, request{method: http.MethodGet, path: "/api/items/"}, resp, []int{http.StatusOK})
	c.checkPage("list_items", alpha, resp)
	r := newReport(&Config{Tenants: 2, Clients: 1}, c.st, time.Second)
	if r.OK() || r.Leaks != 2 || r.Actions["list_items"].Leaks != 2 {
		t.Errorf("OK() = %v with %d leaks, want false with 2 (a foreign marker, a row without alpha's)", r.OK(), r.Leaks)
	}
	var out strings.Builder
	r.Print(&out)
	if !strings.Contains(out.String(), "LEAK list_items in alpha") || !strings.Contains(out.String(), beta.marker) {
		t.Errorf("the printed report does not show the leak:\n%s", out.String())
	}
}

func TestAnAnswer5xxOrUnexpectedFailsTheReport(t *testing.T) {
	alpha := testTenant("alpha")
	c := &client{st: newStats()}
	r := request{method: http.MethodGet, path: "/api/profile/", role: "viewer"}
	c.inspect("profile", alpha, r, &response{status: http.StatusInternalServerError}, []int{http.StatusOK})
	c.inspect("profile", alpha, r, &response{status: http.StatusNotFound}, []int{http.StatusOK})
	rep := newReport(&Config{Tenants: 2, Clients: 1}, c.st, time.Second)
	if rep.OK() || rep.Errors[Error5xx] != 1 || rep.Errors[ErrorStatus] != 1 {
		t.Errorf("OK() = %v, errors %v; want false, one 5xx and one unexpected status", rep.OK(), rep.Errors)
	}
}

func TestA5xxOnlyTheServerSawFailsTheReport(t *testing.T) {
	w := newLogWatch()
	log := w.logger()
	log.Info("request", slog.String("path", "/api/items/"), slog.Int("status", 200))
	log.Info("request", slog.String("path", "/api/items/"), slog.Int("status", 499))
	log.ErrorContext(context.Background(), "internal error", "err", "boom")
	log.Info("request", slog.String("path", "/api/items/"), slog.Int("status", 500))
	st := newStats()
	w.addTo(st)
	r := newReport(&Config{Tenants: 2, Clients: 1}, st, time.Second)
	if r.OK() || r.Errors[ErrorServer5xx] != 1 || r.Errors[ErrorServerLog] != 1 {
		t.Errorf("OK() = %v, errors %v; want false, one 5xx logged and one error line", r.OK(), r.Errors)
	}
	if ex := r.ErrorExamples[ErrorServerLog]; len(ex) != 1 || !strings.Contains(ex[0], "err=boom") {
		t.Errorf("error line examples %q, want the line with its attributes", ex)
	}
}
