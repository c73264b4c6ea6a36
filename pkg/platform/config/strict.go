package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
)

// strictScalars converts environment strings to numbers and booleans
// exactly (base 10, no empty values, "true"/"false" only) and refuses
// numbers that do not fit their field: a fractional value for an integer,
// or one out of the field's range. Nothing is silently rounded or guessed.
func strictScalars(from, to reflect.Type, data any) (any, error) {
	switch {
	case from.Kind() == reflect.String:
		return parseString(data.(string), to)
	case isFloat(from.Kind()) && isInt(to.Kind()):
		f := reflect.ValueOf(data).Float()
		if f != math.Trunc(f) {
			return nil, fmt.Errorf("%v is not a whole number", f)
		}
		return fitInt(int64(f), to)
	case isInt(from.Kind()) && isInt(to.Kind()):
		return fitInt(reflect.ValueOf(data).Int(), to)
	}
	return data, nil
}

func parseString(s string, to reflect.Type) (any, error) {
	switch {
	case isInt(to.Kind()):
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", s)
		}
		return fitInt(n, to)
	case isFloat(to.Kind()):
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case to.Kind() == reflect.Bool:
		switch s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not true or false", s)
	}
	return s, nil
}

func fitInt(n int64, to reflect.Type) (any, error) {
	if reflect.New(to).Elem().OverflowInt(n) {
		return nil, fmt.Errorf("%d is out of range for %s", n, to)
	}
	return n, nil
}

func isInt(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Int64
}

func isFloat(k reflect.Kind) bool {
	return k == reflect.Float32 || k == reflect.Float64
}
