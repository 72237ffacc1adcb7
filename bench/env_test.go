package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/tenanttest"
)

func TestEnvironmentNamesTheServersSettings(t *testing.T) {
	t.Parallel()
	env, err := ReadEnvironment(context.Background(), tenanttest.AdminURL(t), "test server")
	if err != nil {
		t.Fatalf("ReadEnvironment: %v", err)
	}
	if env.Cores < 1 || env.PostgreSQL == "" || env.Fsync == "" || env.SharedBuffers == "" || env.MaxConnections == "" {
		t.Errorf("environment incomplete: %+v", env)
	}
	var out bytes.Buffer
	env.Print(&out)
	for _, want := range []string{"cores", "PostgreSQL", "fsync=" + env.Fsync, "synchronous_commit=", "shared_buffers="} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("printed environment lacks %q:\n%s", want, out.String())
		}
	}
	if env.Durable() == strings.Contains(out.String(), "NOT DURABLE") {
		t.Errorf("durable %v but printed:\n%s", env.Durable(), out.String())
	}
}

func TestReportIsWrittenAsJSON(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "r.json")
	r := NewReport("provision", []string{"bench", "provision"}, Environment{Cores: 2, Fsync: "on"})
	if err := r.Write(path, &ProvisionResult{Tables: 40, Spare: Stats{N: 3, P50: 8 * time.Millisecond}}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Benchmark   string
		Environment Environment
		Result      ProvisionResult
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, b)
	}
	if got.Benchmark != "provision" || got.Environment.Fsync != "on" || got.Result.Spare.P50 != 8*time.Millisecond {
		t.Errorf("report read back as %+v", got)
	}
}

func TestWrkSummaryIsRead(t *testing.T) {
	cases := []struct {
		name, out string
		want      LoadResult
		err       bool
	}{
		{"summary", "Running 5s test\nWRKJSON {\"requests\":100,\"errors\":2,\"elapsed_us\":5000000,\"p50_us\":1500,\"p99_us\":9000}\n",
			LoadResult{Requests: 100, Errors: 2, Elapsed: 5 * time.Second, P50: 1500 * time.Microsecond, P99: 9 * time.Millisecond}, false},
		{"no summary", "Running 5s test\n", LoadResult{}, true},
		{"garbled", "WRKJSON {\"requests\":\n", LoadResult{}, true},
	}
	for _, c := range cases {
		got, err := parseWrk(c.out)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("%s: got %+v, %v", c.name, got, err)
		}
	}
}
