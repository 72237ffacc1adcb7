package cli

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
)

func TestPprofIsServedOnItsOwnAddressOnly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := servePprof(ln, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer stop()
	for path, want := range map[string]int{"/debug/pprof/": 200, "/debug/pprof/cmdline": 200, "/api/items/": 404} {
		resp, err := http.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestPprofIsOffUnlessAsked(t *testing.T) {
	for _, c := range []struct {
		addr    string
		wantErr bool
	}{{"", false}, {"not an address", true}} {
		a := &app{getenv: func(string) string { return c.addr }}
		stop, err := a.startPprof(slog.New(slog.NewTextHandler(io.Discard, nil)))
		if (err != nil) != c.wantErr {
			t.Errorf("TENANTRY_PPROF_ADDR=%q: error %v, want error %v", c.addr, err, c.wantErr)
		}
		if err == nil {
			stop()
		}
	}
}
