package localpg

import (
	"bytes"
	"io"
	"log/slog"
	"sync"
)

// tailSize is how much of the server log is kept to explain a failed start.
const tailSize = 8 << 10

// serverLog receives the server's output: it passes it on to sink and keeps
// the last tailSize bytes. Its writes never fail, so a broken sink cannot
// stall the server: after the sink's first error, logged to logger, the
// output is only kept in the tail.
type serverLog struct {
	logger *slog.Logger
	mu     sync.Mutex
	sink   io.Writer // nil after it failed
	tail   []byte
}

// Write implements io.Writer.
func (l *serverLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tail = append(l.tail, p...)
	if extra := len(l.tail) - tailSize; extra > 0 {
		l.tail = l.tail[:copy(l.tail, l.tail[extra:])]
	}
	if l.sink == nil {
		return len(p), nil
	}
	if _, err := l.sink.Write(p); err != nil {
		l.logger.Warn("cannot write the postgres server log; dropping it from now on", "error", err)
		l.sink = nil
	}
	return len(p), nil
}

// lastLines returns up to n whole lines from the end of what was written.
func (l *serverLog) lastLines(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return lastLines(l.tail, n)
}

// lastLines returns up to n lines from the end of out.
func lastLines(out []byte, n int) string {
	out = bytes.TrimRight(out, "\n")
	start := len(out)
	for i := 0; i < n && start > 0; i++ {
		start = bytes.LastIndexByte(out[:start], '\n')
		if start < 0 {
			start = 0
			break
		}
	}
	return string(bytes.TrimLeft(out[start:], "\n"))
}
