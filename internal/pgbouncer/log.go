package pgbouncer

import (
	"bytes"
	"io"
	"sync"
)

// tailSize is how much of PgBouncer's log is kept to explain a failure.
const tailSize = 8 << 10

// upLine is what PgBouncer logs once it listens and serves.
var upLine = []byte("process up:")

// bouncerLog receives PgBouncer's output: it passes it on to sink, keeps
// the last tailSize bytes and closes up when PgBouncer says it is up. Its
// writes never fail, so a broken sink cannot stall PgBouncer.
type bouncerLog struct {
	mu     sync.Mutex
	sink   io.Writer // nil after it failed
	tail   []byte
	up     chan struct{}
	isUp   bool
	scanAt int // where in tail to look for upLine next
}

func newBouncerLog(sink io.Writer) *bouncerLog {
	return &bouncerLog{sink: sink, up: make(chan struct{})}
}

// Write implements io.Writer.
func (l *bouncerLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tail = append(l.tail, p...)
	if !l.isUp && bytes.Contains(l.tail[l.scanAt:], upLine) {
		l.isUp = true
		close(l.up)
	}
	if extra := len(l.tail) - tailSize; extra > 0 {
		l.tail = l.tail[:copy(l.tail, l.tail[extra:])]
	}
	l.scanAt = max(0, len(l.tail)-len(upLine))
	if l.sink != nil {
		if _, err := l.sink.Write(p); err != nil {
			l.sink = nil
		}
	}
	return len(p), nil
}

// lastLines returns up to n whole lines from the end of what was written.
func (l *bouncerLog) lastLines(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := bytes.TrimRight(l.tail, "\n")
	start := len(out)
	for i := 0; i < n && start > 0; i++ {
		start = max(0, bytes.LastIndexByte(out[:start], '\n'))
	}
	return string(bytes.TrimLeft(out[start:], "\n"))
}

// contains reports whether the kept log holds s.
func (l *bouncerLog) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Contains(l.tail, []byte(s))
}
