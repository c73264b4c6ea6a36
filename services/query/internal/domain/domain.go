// Package domain holds the query service's rules: what a valid search is,
// which flights a search may show, and how a seat map is laid out.
package domain

import (
	"errors"
	"sort"
	"strings"
)

// ErrFlightNotFound means no indexed flight has that id.
var ErrFlightNotFound = errors.New("flight not found")

// ValidationError lists invalid fields with a message each.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
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

// FieldErrors exposes the fields for the HTTP error mapping.
func (e *ValidationError) FieldErrors() map[string]string { return e.Fields }

// fieldErrors collects messages; err returns nil when there are none.
type fieldErrors map[string]string

func (f fieldErrors) add(field, msg string) {
	if _, seen := f[field]; !seen {
		f[field] = msg
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}
