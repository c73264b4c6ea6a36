// Package validation collects field-level problems of a request into one
// error that the HTTP layer answers with 400 and a message per field. It
// imports nothing but the standard library, so domain packages use it.
package validation

import (
	"sort"
	"strings"
)

// Error lists invalid fields with a message each.
type Error struct {
	Fields map[string]string
}

func (e *Error) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// FieldErrors exposes the fields for the HTTP error mapping (web.FieldErrors).
func (e *Error) FieldErrors() map[string]string { return e.Fields }

// Invalid is an Error for one field.
func Invalid(field, msg string) error {
	return &Error{Fields: map[string]string{field: msg}}
}

// Fields collects messages by field; Err is nil when there are none.
type Fields map[string]string

// Add keeps the first message for a field.
func (f Fields) Add(field, msg string) {
	if _, seen := f[field]; !seen {
		f[field] = msg
	}
}

// Err returns the collected problems as an *Error, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Fields: f}
}
