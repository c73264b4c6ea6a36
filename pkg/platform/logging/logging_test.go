package logging_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/altisair/altis/pkg/platform/logging"
)

func TestPersonalDataIsRedactedAndRequestIDAdded(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New(&buf, logging.Config{Level: "info", Format: "json"}, "test")
	ctx := logging.WithRequestID(context.Background(), "req-9")
	email := logging.Personal("ada@example.com")
	log.InfoContext(ctx, "booked", "email", email, "note", fmt.Sprint(email))
	out := buf.String()
	if strings.Contains(out, "ada@example.com") {
		t.Fatalf("personal data leaked: %s", out)
	}
	if !strings.Contains(out, `"request_id":"req-9"`) || !strings.Contains(out, `"service":"test"`) {
		t.Fatalf("missing request id or service: %s", out)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (logging.Config{Level: "loud", Format: "json"}).Validate(); err == nil || !strings.Contains(err.Error(), "level") {
		t.Fatalf("bad level: %v", err)
	}
	if err := (logging.Config{Level: "info", Format: "xml"}).Validate(); err == nil || !strings.Contains(err.Error(), "format") {
		t.Fatalf("bad format: %v", err)
	}
}
