package apidoc_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/altisair/altis/pkg/apidoc"
)

// TestDocumentIsOpenAPI303 checks the document parses and declares its
// version; deploy/apicheck validates it fully with an OpenAPI library.
func TestDocumentIsOpenAPI303(t *testing.T) {
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(apidoc.JSON(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" || len(doc.Paths) == 0 {
		t.Fatalf("openapi %q with %d paths", doc.OpenAPI, len(doc.Paths))
	}
	for p := range doc.Paths {
		if !strings.HasPrefix(p, "/") {
			t.Errorf("path %q does not start with /", p)
		}
	}
}

// TestJSONIsACopy: a caller cannot change what the gateway serves.
func TestJSONIsACopy(t *testing.T) {
	a := apidoc.JSON()
	a[0] = 'x'
	if apidoc.JSON()[0] == 'x' {
		t.Fatal("JSON returned the embedded document itself")
	}
}
