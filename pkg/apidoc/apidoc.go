// Package apidoc holds the contract of Altis's public API: one OpenAPI
// 3.0.3 document (openapi.json) that the gateway serves at /openapi.json
// and the end-to-end tests validate every request and answer against.
package apidoc

import (
	_ "embed"
	"slices"
)

//go:embed openapi.json
var document []byte

// JSON is the OpenAPI document, a copy the caller may keep.
func JSON() []byte { return slices.Clone(document) }
