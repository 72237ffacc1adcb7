package leakhunt

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

// logWatch is the server's logger: it keeps nothing but the 5xx answers and
// the error lines, which a client that hung up never sees, with the ids of
// their requests.
type logWatch struct {
	mu      sync.Mutex
	entries []logEntry
	dropped int // entries beyond maxLogEntries, counted as errors
}

// logEntry is one 5xx or error line.
type logEntry struct {
	is5xx     bool
	requestID string
	text      string
}

// maxLogEntries bounds what a logWatch keeps.
const maxLogEntries = 100_000

func newLogWatch() *logWatch { return &logWatch{} }

func (w *logWatch) logger() *slog.Logger { return slog.New(watchHandler{w: w}) }

func (w *logWatch) note(e logEntry) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.entries) == maxLogEntries {
		w.dropped++
		return
	}
	w.entries = append(w.entries, e)
}

// addTo adds what the server logged to st: for a request its client cut
// short, a warning; for a 5xx a client received, nothing (it is counted
// already); for anything else, an error.
func (w *logWatch) addTo(st *stats) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, e := range w.entries {
		switch {
		case e.requestID != "" && st.abandoned[e.requestID] && e.is5xx:
			st.warn(WarnAbandoned5xx, e.text)
		case e.requestID != "" && st.abandoned[e.requestID]:
			st.warn(WarnAbandonedLog, e.text)
		case e.is5xx && st.seen5xx[e.requestID]:
		case e.is5xx:
			st.failServer(ErrorServer5xx, e.text)
		default:
			st.failServer(ErrorServerLog, e.text)
		}
	}
	if w.dropped > 0 {
		st.errors[ErrorServerLog] += w.dropped
	}
}

// watchHandler is the slog.Handler of a logWatch. The api package logs one
// line "request" per request, with its status and request_id.
type watchHandler struct {
	w     *logWatch
	attrs []slog.Attr
}

func (h watchHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h watchHandler) Handle(_ context.Context, r slog.Record) error {
	e := logEntry{}
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "request_id":
			e.requestID = a.Value.String()
		case "status":
			e.is5xx = r.Message == "request" && a.Value.Kind() == slog.KindInt64 && a.Value.Int64() >= 500
		}
		return true
	})
	if e.is5xx || r.Level >= slog.LevelError {
		e.text = render(r, h.attrs)
		h.w.note(e)
	}
	return nil
}

func (h watchHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return watchHandler{w: h.w, attrs: append(h.attrs[:len(h.attrs):len(h.attrs)], attrs...)}
}

func (h watchHandler) WithGroup(string) slog.Handler { return h }

// render writes a record as "message key=value ...".
func render(r slog.Record, attrs []slog.Attr) string {
	var b strings.Builder
	b.WriteString(r.Message)
	write := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	}
	for _, a := range attrs {
		write(a)
	}
	r.Attrs(write)
	return b.String()
}
