package mail_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
)

// parsedMessage is a rendered message read back the way a mail reader would.
type parsedMessage struct {
	header  netmail.Header
	from    *netmail.Address
	to      []*netmail.Address
	subject string
	// parts maps a media type (text/plain, text/html) to its decoded body.
	parts map[string]string
}

// parseMessage parses raw RFC 5322 data, failing the test on any error.
func parseMessage(t *testing.T, raw []byte) parsedMessage {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, raw)
	}
	p := parsedMessage{header: msg.Header, parts: map[string]string{}}
	if p.from, err = netmail.ParseAddress(msg.Header.Get("From")); err != nil {
		t.Fatalf("parse From %q: %v", msg.Header.Get("From"), err)
	}
	if p.to, err = msg.Header.AddressList("To"); err != nil {
		t.Fatalf("parse To %q: %v", msg.Header.Get("To"), err)
	}
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decode Subject %q: %v", msg.Header.Get("Subject"), err)
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Fatalf("parse Date: %v", err)
	}
	readParts(t, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, p.parts)
	return p
}

// readParts decodes a body of the given content type into parts, descending
// into multipart bodies.
func readParts(t *testing.T, contentType, encoding string, body io.Reader, parts map[string]string) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("parse Content-Type %q: %v", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		parts["multipart"] = mediaType
		r := multipart.NewReader(body, params["boundary"])
		for {
			part, err := r.NextPart() // decodes quoted-printable itself
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("read %s part: %v", mediaType, err)
			}
			readParts(t, part.Header.Get("Content-Type"), "", part, parts)
		}
	}
	if strings.EqualFold(encoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read %s body: %v", mediaType, err)
	}
	parts[mediaType] = strings.ReplaceAll(string(b), "\r\n", "\n")
}
