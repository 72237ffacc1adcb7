package api

import (
	"bytes"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPanicAfterTheAnswerStartedCutsTheConnection: a handler that panics
// once its status line is out cannot be answered 500; the connection is cut
// so the client does not take a partial body for a whole one, the request
// is logged as a 500, and the server writes no "superfluous
// response.WriteHeader" line.
func TestPanicAfterTheAnswerStartedCutsTheConnection(t *testing.T) {
	var logs, serverErrors bytes.Buffer
	s := &server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	h := s.logRequests(recoverPanics(s.log, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"results": [`))
		_ = http.NewResponseController(w).Flush()
		panic("half way")
	})))
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(&serverErrors, "", 0)
	srv.Start()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err == nil {
		t.Errorf("client got %d %q, %v; want the 200 already sent, then a broken body", resp.StatusCode, body, err)
	}
	srv.Close()
	if serverErrors.Len() != 0 {
		t.Errorf("the server's error log says:\n%s", &serverErrors)
	}
	if got := logs.String(); !strings.Contains(got, "handler panic") || !strings.Contains(got, "status=500") {
		t.Errorf("log %q, want the panic and the request as a 500", got)
	}
}

// TestStatusRecorderSendsOneStatusLine: a second WriteHeader is noted for
// the log and not passed on.
func TestStatusRecorderSendsOneStatusLine(t *testing.T) {
	w := httptest.NewRecorder()
	rec := &statusRecorder{ResponseWriter: w}
	_, _ = rec.Write([]byte("x"))
	rec.WriteHeader(499)
	if w.Code != http.StatusOK || rec.status != 499 || rec.bytes != 1 {
		t.Errorf("sent %d, logged %d, %d bytes; want 200 sent, 499 logged, 1 byte", w.Code, rec.status, rec.bytes)
	}
}
