package mail_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/tenantry/tenantry/mail"
)

// Without an SMTP URL, messages land in an outbox directory and the log line
// carries the link a developer needs.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "outbox")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	// Drop the time and the file name, which change from run to run.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "file" {
				return slog.Attr{}
			}
			return a
		},
	}))
	sender, err := mail.New(mail.Config{OutboxDir: dir, Logger: logger})
	if err != nil {
		panic(err)
	}
	err = sender.Send(context.Background(), mail.Message{
		To:      []string{"ana@example.com"},
		Subject: "Confirm your email",
		Text:    "Open https://app.example/verify?token=abc to confirm.",
	})
	if err != nil {
		panic(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		panic(err)
	}
	fmt.Println(len(files), "file in the outbox")
	// Output:
	// level=INFO msg="mail written to outbox" to=ana@example.com subject="Confirm your email" link="https://app.example/verify?token=abc"
	// 1 file in the outbox
}

// With an SMTP URL, New returns an *SMTP sender; NewSMTP does the same
// without the Config.
func ExampleNewSMTP() {
	sender, err := mail.NewSMTP("smtp://apikey:secret@smtp.example.com:587?tls=required", "Acme <no-reply@acme.example>")
	if err != nil {
		panic(err)
	}
	fmt.Println(sender)
	// Output: smtp://apikey:xxxxx@smtp.example.com:587?tls=required
}
