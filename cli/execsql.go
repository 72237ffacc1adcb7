package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// execSQL returns the SQL exec runs: the --sql text, or the content of
// --file (standard input for "-"). Exactly one must be given, and it must
// hold more than white space.
func (a *app) execSQL(sql, file string, sqlSet, fileSet bool) (string, error) {
	switch {
	case sqlSet && fileSet:
		return "", usagef("--sql and --file are mutually exclusive: give the SQL one way")
	case !sqlSet && !fileSet:
		return "", usagef("--sql or --file is required (--file - reads the SQL from standard input)")
	case sqlSet && strings.TrimSpace(sql) == "":
		return "", usagef("--sql is empty: no SQL to run")
	case sqlSet:
		return sql, nil
	}
	text, err := a.readSQLFile(file)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(text) == "" {
		return "", usagef("%s is empty: no SQL to run", sqlSource(file))
	}
	return text, nil
}

// readSQLFile reads file, or standard input for "-".
func (a *app) readSQLFile(file string) (string, error) {
	var b []byte
	var err error
	switch file {
	case "":
		return "", usagef("--file needs a file name (or - for standard input)")
	case "-":
		b, err = io.ReadAll(a.stdin)
	default:
		b, err = os.ReadFile(file)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", usagef("%s: no such file", sqlSource(file))
	case err != nil:
		return "", usagef("read %s: %v", sqlSource(file), unwrapPath(err))
	}
	return string(b), nil
}

// sqlSource names where --file reads from, for messages.
func sqlSource(file string) string {
	if file == "-" {
		return "standard input"
	}
	return fmt.Sprintf("--file %q", file)
}

// unwrapPath drops the operation and path of an *fs.PathError, which the
// message names already.
func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}
