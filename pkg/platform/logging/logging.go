// Package logging builds the process's slog logger and the types that keep
// personal data out of log lines.
package logging

import (
	"context"
	"io"
	"log/slog"
	"strings"
)

// Config is the [log] section.
type Config struct {
	Level  string `koanf:"level"`
	Format string `koanf:"format"`
}

// Validate checks the level and format names.
func (c Config) Validate() error {
	if _, err := parseLevel(c.Level); err != nil {
		return err
	}
	switch c.Format {
	case "json", "text":
		return nil
	}
	return &fieldError{"format", "must be json or text"}
}

type fieldError struct{ key, msg string }

func (e *fieldError) Error() string { return e.key + ": " + e.msg }

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return 0, &fieldError{"level", "must be debug, info, warn or error"}
	}
	return l, nil
}

// New returns a logger writing to w that adds the request id carried by the
// context (see WithRequestID) to every line logged with a context.
func New(w io.Writer, c Config, service string) *slog.Logger {
	level, _ := parseLevel(c.Level)
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if c.Format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(contextHandler{h}).With("service", service)
}

type ctxKey struct{}

// WithRequestID returns a context whose log lines carry id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID returns the request id stored by WithRequestID, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}

// Personal wraps a name, e-mail or other personal value so that it prints
// redacted in logs while code can still read it.
type Personal string

// LogValue implements slog.LogValuer.
func (Personal) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// String keeps fmt from leaking the value too.
func (Personal) String() string { return "[redacted]" }

// Discard is a logger that drops everything; tests use it.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
