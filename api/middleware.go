package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/tenanthttp"
)

// requestInfo travels in the request's context so that the log line,
// written by the outermost middleware, can name the tenant resolved deeper
// in.
type requestInfo struct {
	id     string
	tenant string
	user   int64
	client string
}

type infoKey struct{}

// RequestID returns the request's id (from X-Request-Id when the client
// sent a sane one, else generated), or "" outside a request.
func RequestID(ctx context.Context) string {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return info.id
	}
	return ""
}

// noteUser records the authenticated user for the request's log line.
func noteUser(ctx context.Context, id int64) {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		info.user = id
	}
}

// clientIP is the address the request came from: the connection's peer.
func clientIP(ctx context.Context) string {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return info.client
	}
	return ""
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func newRequestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); requestIDPattern.MatchString(id) {
		return id
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails on Linux
	return hex.EncodeToString(b)
}

// statusRecorder remembers the status and size of a response, and sends
// the status line once: a handler that sets another status after the
// response has started (huma does, 499, when the client hangs up during the
// body; the panic handler does, 500) changes the status logged, not the one
// sent, which net/http would refuse with a "superfluous
// response.WriteHeader" line in the server's error log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
	sent   bool // the status line has gone to the ResponseWriter
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.sent {
		w.status = code
		return
	}
	if code >= 200 { // informational answers (1xx) come before the real one
		w.status, w.sent = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if !w.sent {
		w.status, w.sent = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// started reports whether the status line has gone out.
func (w *statusRecorder) started() bool { return w.sent }

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests gives each request an id and logs one line when it ends.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: newRequestID(r), client: remoteHost(r)}
		w.Header().Set("X-Request-Id", info.id)
		// Every answer, JSON or page, is what its Content-Type says.
		w.Header().Set("X-Content-Type-Options", "nosniff")
		rec := &statusRecorder{ResponseWriter: w}
		ctx := audit.WithRequest(context.WithValue(r.Context(), infoKey{}, info), info.id, info.client)
		// Deferred: a request aborted by a panic (http.ErrAbortHandler) is
		// logged too.
		defer func() {
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", info.id),
				slog.String("tenant", info.tenant),
				slog.Int64("user", info.user),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.status),
				slog.Int("bytes", rec.bytes),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			)
		}()
		next.ServeHTTP(rec, r.WithContext(ctx))
	})
}

// noteTenant records the resolved tenant for the request's log line.
func noteTenant(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t, ok := tenantry.FromContext(r.Context()); ok {
			if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
				info.tenant = t.Slug
			}
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a handler's panic into a logged 500, so one bad
// request never takes the server down or leaks a stack trace to a client.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			log.Error("handler panic", "request_id", RequestID(r.Context()), "panic", p)
			if rec, ok := w.(interface{ started() bool }); ok && rec.started() {
				// Part of an answer is out: a 500 can no longer be sent,
				// and the client must not take what it got for all of
				// it. Note the 500 for the log and cut the connection.
				w.WriteHeader(http.StatusInternalServerError)
				panic(http.ErrAbortHandler)
			}
			tenanthttp.WriteProblem(w, http.StatusInternalServerError, "internal error")
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody caps every request body at MaxBodyBytes, and refuses a path or
// query with a NUL or invalid UTF-8, which no parameter may hold and
// PostgreSQL cannot store.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, q := r.URL.Path, r.URL.RawQuery; badText(p) || badText(q) || badQuery(r) {
			tenanthttp.WriteProblem(w, http.StatusBadRequest, "the path or query holds a NUL or invalid UTF-8")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

func badText(s string) bool { return strings.ContainsRune(s, 0) || !utf8.ValidString(s) }

// badQuery looks at the query's decoded values (%00, %FF).
func badQuery(r *http.Request) bool {
	for k, vs := range r.URL.Query() {
		if badText(k) {
			return true
		}
		for _, v := range vs {
			if badText(v) {
				return true
			}
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do then
}
