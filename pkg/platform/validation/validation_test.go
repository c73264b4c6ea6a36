package validation_test

import (
	"errors"
	"testing"

	"github.com/altisair/altis/pkg/platform/validation"
)

func TestFields(t *testing.T) {
	f := validation.Fields{}
	if f.Err() != nil {
		t.Fatal("no problems is no error")
	}
	f.Add("b", "first")
	f.Add("b", "second")
	f.Add("a", "x")
	var e *validation.Error
	if err := f.Err(); !errors.As(err, &e) || e.Fields["b"] != "first" || err.Error() != "invalid request: a: x; b: first" {
		t.Fatalf("%v", err)
	}
	if !errors.As(validation.Invalid("c", "y"), &e) || e.FieldErrors()["c"] != "y" {
		t.Fatal("Invalid")
	}
}
