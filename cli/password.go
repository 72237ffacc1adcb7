package cli

import (
	"fmt"
	"os"

	"golang.org/x/term"

	"github.com/tenantry/tenantry/auth"
)

// newPassword returns the password given with flag, checked against the
// rules, or asks for one twice on the terminal with prompt.
func (a *app) newPassword(given, flag, prompt string) (string, error) {
	if given == "" {
		f, ok := a.stdin.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return "", usagef("%s is required when the input is not a terminal", flag)
		}
		var err error
		if given, err = a.askPassword(f, prompt); err != nil {
			return "", err
		}
	}
	if err := auth.ValidatePassword(given); err != nil {
		return "", &usageError{err}
	}
	return given, nil
}

func (a *app) askPassword(f *os.File, prompt string) (string, error) {
	read := func(prompt string) (string, error) {
		fmt.Fprint(a.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		return string(b), err
	}
	p1, err := read(prompt)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	p2, err := read("Again: ")
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if p1 != p2 {
		return "", usagef("the passwords do not match")
	}
	return p1, nil
}
