package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"
)

// MaxBody bounds what DecodeJSON reads, behind any limit the gateway sets.
const MaxBody = 1 << 20

// DecodeJSON reads the body strictly into dst: malformed JSON, unknown
// fields, wrong types and trailing data are 400s naming what is wrong; a body
// over MaxBody is a 413.
func DecodeJSON(c echo.Context, dst any) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return NewError(http.StatusRequestEntityTooLarge, "body_too_large", "request body is too large")
		}
		return NewError(http.StatusBadRequest, "invalid_request", "could not read request body")
	}
	return Unmarshal(body, dst)
}

// Unmarshal is DecodeJSON for a body already read.
func Unmarshal(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return Invalid(map[string]string{"body": "must be a JSON object"})
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return Invalid(decodeFields(err))
	}
	if rest := bytes.TrimSpace(body[dec.InputOffset():]); len(rest) > 0 {
		return Invalid(map[string]string{"body": "unexpected data after the JSON object"})
	}
	return exactKeys(body, reflect.TypeOf(dst))
}

// exactKeys rejects keys that encoding/json matched case-insensitively
// ("LEGS" for "legs"): field names are exact in this API.
func exactKeys(body []byte, t reflect.Type) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil // already decoded once; cannot happen
	}
	if bad := firstInexact(v, t, ""); bad != "" {
		return Invalid(map[string]string{bad: "unknown field"})
	}
	return nil
}

func firstInexact(v any, t reflect.Type, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return ""
		}
		return inexactInObject(x, t, path)
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return ""
		}
		for i, e := range x {
			if bad := firstInexact(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); bad != "" {
				return bad
			}
		}
	}
	return ""
}

func inexactInObject(m map[string]any, t reflect.Type, path string) string {
	fields := jsonFields(t)
	for k, val := range m {
		ft, ok := fields[k]
		if !ok {
			return joinPath(path, k)
		}
		if bad := firstInexact(val, ft, joinPath(path, k)); bad != "" {
			return bad
		}
	}
	return ""
}

// jsonFields maps exact JSON names to field types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func decodeFields(err error) map[string]string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return map[string]string{"body": fmt.Sprintf("malformed JSON at offset %d", syntax.Offset)}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return map[string]string{field: "must be " + jsonKind(typ.Type.Kind().String())}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return map[string]string{name: "unknown field"}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return map[string]string{"body": "malformed JSON: unexpected end"}
	}
	return map[string]string{"body": "malformed JSON"}
}

func jsonKind(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	}
	return "an object"
}
