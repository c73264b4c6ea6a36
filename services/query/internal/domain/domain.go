// Package domain holds the query service's rules: what a valid search is,
// which flights a search may show, and how a seat map is laid out.
package domain

import (
	"errors"

	"github.com/altisair/altis/pkg/platform/validation"
)

// ErrFlightNotFound means no indexed flight has that id.
var ErrFlightNotFound = errors.New("flight not found")

// ValidationError lists invalid fields with a message each.
type ValidationError = validation.Error
