package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// wrkScript drives wrk: each request goes to the next target (its Host
// and its bearer token), each thread starting at its own offset, and the
// summary is printed as one JSON line for runWrk to read. Latencies are in
// microseconds; errors are transport errors and non-2xx/3xx answers.
const wrkScript = `local targets = {%s}
local path = %q
local i = 0
local n = 0
setup = function(thread)
  n = n + 1
  thread:set("first", n * 7919)
end
init = function(args)
  i = tonumber(first) or 0
end
request = function()
  i = i + 1
  local t = targets[(i %% #targets) + 1]
  return wrk.format("GET", path, {["Host"] = t[1], ["Authorization"] = "Bearer " .. t[2]})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKJSON {\"requests\":%%d,\"errors\":%%d,\"elapsed_us\":%%d,\"p50_us\":%%d,\"p99_us\":%%d}\n",
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
`

// wrkSummary is the line wrkScript prints.
type wrkSummary struct {
	Requests  int   `json:"requests"`
	Errors    int   `json:"errors"`
	ElapsedUS int64 `json:"elapsed_us"`
	P50US     int64 `json:"p50_us"`
	P99US     int64 `json:"p99_us"`
}

// wrkThreads is the number of wrk threads: one per core of a 2-core
// machine, sharing it with the server and PostgreSQL.
const wrkThreads = 2

// runWrk runs wrk (the binary at path) with spec and returns what it
// measured.
func runWrk(ctx context.Context, path string, spec LoadSpec) (LoadResult, error) {
	script, err := writeWrkScript(spec)
	if err != nil {
		return LoadResult{}, err
	}
	defer os.RemoveAll(filepath.Dir(script))
	u, err := url.Parse(spec.URL)
	if err != nil {
		return LoadResult{}, fmt.Errorf("bench: load URL: %w", err)
	}
	base := u.Scheme + "://" + u.Host
	cmd := exec.CommandContext(ctx, path, "-t", strconv.Itoa(min(wrkThreads, spec.Clients)), "-c", strconv.Itoa(spec.Clients),
		"-d", strconv.Itoa(int(max(spec.Duration/time.Second, 1)))+"s", "--timeout", "10s", "-s", script, base)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return LoadResult{}, fmt.Errorf("bench: wrk: %w: %s", err, stderr.String())
	}
	return parseWrk(out.String())
}

// writeWrkScript writes the script for spec into a new temporary
// directory and returns its path.
func writeWrkScript(spec LoadSpec) (string, error) {
	u, err := url.Parse(spec.URL)
	if err != nil {
		return "", fmt.Errorf("bench: load URL: %w", err)
	}
	var targets strings.Builder
	for i, t := range spec.Targets {
		if i > 0 {
			targets.WriteString(", ")
		}
		fmt.Fprintf(&targets, "{%q, %q}", t.Host, t.Token)
	}
	dir, err := os.MkdirTemp("", "tenantry-wrk-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "load.lua")
	if err := os.WriteFile(path, fmt.Appendf(nil, wrkScript, targets.String(), u.RequestURI()), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return path, nil
}

// parseWrk reads the summary line of wrkScript from wrk's output.
func parseWrk(out string) (LoadResult, error) {
	_, line, ok := strings.Cut(out, "WRKJSON ")
	if !ok {
		return LoadResult{}, fmt.Errorf("bench: wrk printed no summary: %s", out)
	}
	line, _, _ = strings.Cut(line, "\n")
	var s wrkSummary
	if err := json.Unmarshal([]byte(line), &s); err != nil {
		return LoadResult{}, fmt.Errorf("bench: read wrk's summary %q: %w", line, err)
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	return LoadResult{Requests: s.Requests, Errors: s.Errors, Elapsed: us(s.ElapsedUS), P50: us(s.P50US), P99: us(s.P99US)}, nil
}
