package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// MaxBody bounds what DecodeJSON reads, behind any limit the gateway sets.
const MaxBody = 1 << 20

// DecodeJSON reads the body strictly into dst: a declared media type other
// than JSON is a 415; malformed JSON, unknown fields, wrong types and
// trailing data are 400s naming what is wrong; a body over MaxBody is a 413.
func DecodeJSON(c echo.Context, dst any) error {
	if err := CheckJSONType(c.Request()); err != nil {
		return err
	}
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

// CheckJSONType refuses a body declared as anything but JSON
// (application/json or a +json type) with a 415. A request that declares
// no type is read as JSON.
func CheckJSONType(r *http.Request) error {
	ct := r.Header.Get(echo.HeaderContentType)
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == echo.MIMEApplicationJSON || strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return NewError(http.StatusUnsupportedMediaType, "unsupported_media_type", "the body must be application/json")
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

// exactKeys rejects object keys that encoding/json matched
// case-insensitively ("LEGS" for "legs"): field names are exact in this
// API. body is valid JSON (it decoded), so a light scan of its keys against
// the destination type's field names (collected once per type) suffices;
// the body is not parsed a second time.
func exactKeys(body []byte, t reflect.Type) error {
	names := fieldNames(t)
	for i := 0; i < len(body); i++ {
		if body[i] != '"' {
			continue
		}
		end := stringEnd(body, i)
		if next := bytes.TrimLeft(body[end+1:], " \t\r\n"); len(next) > 0 && next[0] == ':' {
			if !names[string(body[i+1:end])] { // no allocation on the usual path
				if key := unquoteKey(body[i : end+1]); !names[key] {
					return Invalid(map[string]string{key: "unknown field"})
				}
			}
		}
		i = end
	}
	return nil
}

// stringEnd is the index of the quote closing the string that opens at i.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return len(b) - 1
}

func unquoteKey(quoted []byte) string {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1 : len(quoted)-1])
	}
	var s string
	_ = json.Unmarshal(quoted, &s) // valid JSON: cannot fail
	return s
}

var namesByType sync.Map // reflect.Type → map[string]bool

// fieldNames is every JSON field name of t and the types inside it.
func fieldNames(t reflect.Type) map[string]bool {
	if v, ok := namesByType.Load(t); ok {
		return v.(map[string]bool)
	}
	names := map[string]bool{}
	collectNames(t, names, map[reflect.Type]bool{})
	namesByType.Store(t, names)
	return names
}

func collectNames(t reflect.Type, names map[string]bool, seen map[reflect.Type]bool) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		collectNames(t.Elem(), names, seen)
		return
	case reflect.Struct:
	default:
		return
	}
	if seen[t] {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names[name] = true
		collectNames(f.Type, names, seen)
	}
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
