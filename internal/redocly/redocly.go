// Package redocly lints OpenAPI documents with Redocly's CLI (the npm
// package @redocly/cli, its recommended rules), for the tests. The CLI
// lives in .tools/redocly/ at the top of the work tree, where
// scripts/install-redocly.sh puts it; Lint runs that script first, which
// installs it from the npm registry when it is missing and npm is there.
package redocly

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// ErrNotInstalled reports that the CLI is missing and npm too, so that it
// cannot be installed.
var ErrNotInstalled = errors.New("redocly: Redocly's CLI is not installed and npm, which installs it, is missing")

// Problem is one finding of the linter.
type Problem struct {
	RuleID   string `json:"ruleId"`
	Severity string `json:"severity"` // "error" or "warn"
	Message  string `json:"message"`
	Location []struct {
		Pointer string `json:"pointer"`
	} `json:"location"`
}

// Report is what linting found.
type Report struct {
	Totals struct {
		Errors   int `json:"errors"`
		Warnings int `json:"warnings"`
	} `json:"totals"`
	Problems []Problem `json:"problems"`
}

// config is the linter's configuration: Redocly's recommended rules.
const config = "extends:\n  - recommended\n"

var install struct {
	once sync.Once
	bin  string
	err  error
}

// Lint lints the OpenAPI document doc (JSON or YAML) under the
// recommended rules, installing the CLI first if needed (once per
// process). It returns ErrNotInstalled when that cannot be done for want
// of npm.
func Lint(ctx context.Context, doc []byte) (*Report, error) {
	install.once.Do(func() { install.bin, install.err = installCLI(ctx) })
	if install.err != nil {
		return nil, install.err
	}
	dir, err := os.MkdirTemp("", "tenantry-redocly-")
	if err != nil {
		return nil, fmt.Errorf("redocly: %w", err)
	}
	defer os.RemoveAll(dir)
	docPath, cfgPath := filepath.Join(dir, "openapi.json"), filepath.Join(dir, "redocly.yaml")
	if err := os.WriteFile(docPath, doc, 0o600); err != nil {
		return nil, fmt.Errorf("redocly: %w", err)
	}
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		return nil, fmt.Errorf("redocly: %w", err)
	}
	cmd := exec.CommandContext(ctx, install.bin, "lint", "--format=json", "--config", cfgPath, docPath)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run() // exits 1 when there are errors: the report says which
	var r Report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("redocly lint: %v, no report (%w): %s", runErr, err, strings.TrimSpace(stderr.String()))
	}
	return &r, nil
}

// installCLI runs scripts/install-redocly.sh and returns the CLI's path.
func installCLI(ctx context.Context) (string, error) {
	root, err := workTree()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "scripts", "install-redocly.sh"))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 3 {
		return "", ErrNotInstalled
	}
	if err != nil {
		return "", fmt.Errorf("redocly: install: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return filepath.Join(root, ".tools", "redocly", "node_modules", ".bin", "redocly"), nil
}

// workTree is the top of the work tree: the nearest directory above the
// current one that holds scripts/install-redocly.sh.
func workTree() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("redocly: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "scripts", "install-redocly.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("redocly: no scripts/install-redocly.sh above the current directory")
		}
		dir = parent
	}
}
