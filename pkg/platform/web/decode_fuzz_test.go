package web_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/altisair/altis/pkg/platform/web"
)

type fuzzLeg struct {
	Origin string `json:"origin"`
	Date   string `json:"date"`
}

// fuzzBody has the shapes request bodies use: scalars, a list of objects
// and a nested object.
type fuzzBody struct {
	Name  string    `json:"name"`
	Count int       `json:"count"`
	Ratio float64   `json:"ratio"`
	OK    bool      `json:"ok"`
	Legs  []fuzzLeg `json:"legs"`
	Child *fuzzLeg  `json:"child"`
	Tags  []string  `json:"tags"`
}

var fuzzNames = map[string]bool{"name": true, "count": true, "ratio": true, "ok": true, "legs": true,
	"child": true, "tags": true, "origin": true, "date": true}

// FuzzUnmarshal holds the strict decoder to its contract: no panic; a
// refusal is a 400 invalid_request naming at least one field; an accepted
// body is one JSON value whose every object key is a field name spelt
// exactly, and what it decoded to survives a round trip.
func FuzzUnmarshal(f *testing.F) {
	for _, body := range []string{
		`{"name":"a","count":1}`, `{"name":`, `{"name":"a","extra":1}`, `{"count":"three"}`, ``, `{} {}`,
		`{"NAME":"a"}`, `{"n\u0041me":"a"}`, `{"name":"a"}}`, `{"name":"a"}]`, `null`, `[]`, `"x"`,
		`{"legs":[{"origin":"JFK","date":"2030-01-01"}],"child":{"origin":"x"},"tags":["a","b"],"ok":true,"ratio":1.5e3}`,
		`{"legs":[{"ORIGIN":"JFK"}]}`, `{"child":{"name":"x"}}`, `{"name":"\"count\":1"}`, `{"name":"\\","count":2}`,
		`{"count":1e400}`, `{"count":-0}`, "{\"name\":\"\xff\"}", ` {"name":"a"} `, strings.Repeat("[", 10000),
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v fuzzBody
		err := web.Unmarshal(body, &v)
		if err != nil {
			var e *web.Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.Code != "invalid_request" || len(e.Fields) == 0 {
				t.Fatalf("%q: %v is not a 400 naming fields", body, err)
			}
			return
		}
		var tree any
		if err := json.Unmarshal(body, &tree); err != nil {
			t.Fatalf("%q accepted but is not one JSON value: %v", body, err)
		}
		if key, ok := inexactKey(tree); !ok {
			t.Fatalf("%q accepted with the key %q", body, key)
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var w fuzzBody
		if err := web.Unmarshal(again, &w); err != nil || !reflect.DeepEqual(v, w) {
			t.Fatalf("%q decoded to %+v; re-encoded as %s it decodes to %+v, %v", body, v, again, w, err)
		}
	})
}

// inexactKey finds an object key in tree that is no field name.
func inexactKey(tree any) (string, bool) {
	switch n := tree.(type) {
	case map[string]any:
		for k, child := range n {
			if !fuzzNames[k] {
				return k, false
			}
			if key, ok := inexactKey(child); !ok {
				return key, false
			}
		}
	case []any:
		for _, child := range n {
			if key, ok := inexactKey(child); !ok {
				return key, false
			}
		}
	}
	return "", true
}
