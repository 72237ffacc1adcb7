package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tenantry/tenantry/mail"
)

// newOutbox returns an outbox sending from Café Zürich into a fresh
// directory that does not exist yet, and the buffer its log goes to.
func newOutbox(t *testing.T) (mail.Sender, string, *syncBuffer) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "outbox")
	logs := &syncBuffer{}
	o, err := mail.New(mail.Config{
		From:      "Café Zürich <no-reply@cafe.example>",
		OutboxDir: dir,
		Logger:    slog.New(slog.NewJSONHandler(logs, nil)),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return o, dir, logs
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the JSON log records written so far.
func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var recs []map[string]any
	for line := range strings.Lines(b.buf.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("parse log line %q: %v", line, err)
		}
		recs = append(recs, rec)
	}
	return recs
}

// emlFiles lists the .eml files in dir, sorted.
func emlFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || !strings.HasSuffix(e.Name(), ".eml") {
			t.Errorf("unexpected file %s in the outbox", e.Name())
			continue
		}
		names = append(names, e.Name())
	}
	return names
}

func TestOutboxWritesParseableFileAndLogsLink(t *testing.T) {
	t.Parallel()
	o, dir, logs := newOutbox(t)
	if err := o.Send(t.Context(), welcome); err != nil {
		t.Fatalf("Send: %v", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o700 {
		t.Errorf("outbox directory mode %v, want 0700", info.Mode().Perm())
	}
	names := emlFiles(t, dir)
	if len(names) != 1 {
		t.Fatalf("outbox holds %q, want one .eml file", names)
	}
	path := filepath.Join(dir, names[0])
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	assertRendered(t, parseMessage(t, raw), welcome, "multipart/alternative")

	recs := logs.records(t)
	if len(recs) != 1 {
		t.Fatalf("logged %d records, want 1", len(recs))
	}
	want := map[string]any{
		"level": "INFO", "to": "ana@example.com", "subject": welcome.Subject,
		"file": path, "link": "https://cafe.example/verify?t=abc",
	}
	for key, value := range want {
		if recs[0][key] != value {
			t.Errorf("log %s = %v, want %v", key, recs[0][key], value)
		}
	}
}

func TestOutboxConcurrentSendsWriteDistinctFiles(t *testing.T) {
	t.Parallel()
	o, dir, logs := newOutbox(t)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			m := welcome
			m.Subject = fmt.Sprintf("message %02d", i)
			errs <- o.Send(t.Context(), m)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	names := emlFiles(t, dir)
	if len(names) != n {
		t.Fatalf("outbox holds %d files, want %d", len(names), n)
	}
	var files []string
	for _, rec := range logs.records(t) {
		files = append(files, filepath.Base(rec["file"].(string)))
	}
	slices.Sort(files)
	if !slices.Equal(files, names) {
		t.Errorf("logged files %q, outbox holds %q", files, names)
	}
}

func TestOutboxNamesSortByTime(t *testing.T) {
	t.Parallel()
	o, dir, logs := newOutbox(t)
	for i := range 5 {
		m := welcome
		m.Subject = fmt.Sprint(i)
		if err := o.Send(t.Context(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	var sent []string
	for _, rec := range logs.records(t) {
		sent = append(sent, filepath.Base(rec["file"].(string)))
	}
	if names := emlFiles(t, dir); !slices.Equal(sent, names) {
		t.Errorf("files in sending order %q, sorted %q", sent, names)
	}
}

func TestOutboxOmitsLinkWhenTextHasNone(t *testing.T) {
	t.Parallel()
	o, _, logs := newOutbox(t)
	if err := o.Send(t.Context(), mail.Message{To: []string{"a@example.com"}, Subject: "hi", Text: "no link"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if rec := logs.records(t)[0]; rec["link"] != nil {
		t.Errorf("logged link %v for a text without one", rec["link"])
	}
}

func TestOutboxRespectsCancelledContext(t *testing.T) {
	t.Parallel()
	o, dir, _ := newOutbox(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := o.Send(ctx, welcome); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send error = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cancelled Send touched the outbox: %v", err)
	}
}

func TestOutboxUnwritableDirectoryIsTemporary(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := mail.NewOutbox(filepath.Join(file, "outbox"), nil).Send(t.Context(), welcome)
	if err == nil || errors.Is(err, mail.ErrPermanent) {
		t.Fatalf("Send into a path below a file: %v, want a temporary error", err)
	}
}
