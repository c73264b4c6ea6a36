// Package apicheck validates HTTP traffic against the public API's
// contract (pkg/apidoc) with kin-openapi: the end-to-end tests send every
// request through Validator.Transport, and anything the document does not
// describe — an unknown route, a request or answer that breaks its
// schema, an undocumented status — is recorded as a violation.
package apicheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/altisair/altis/pkg/apidoc"
)

// uuidPattern is the "uuid" format: any version, either case.
const uuidPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

var defineFormats = sync.OnceFunc(func() {
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(uuidPattern))
	openapi3.DefineStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail))
})

// Load parses and validates the contract in pkg/apidoc.
func Load() (*openapi3.T, error) {
	return LoadData(apidoc.JSON())
}

// LoadData parses and validates an OpenAPI document.
func LoadData(data []byte) (*openapi3.T, error) {
	defineFormats()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("apicheck: load: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("apicheck: invalid document: %w", err)
	}
	return doc, nil
}

// Validator checks requests and answers against one document and keeps
// the violations it saw.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
	errSch *openapi3.Schema

	mu         sync.Mutex
	violations []string
	checked    int
}

// New builds a Validator for doc. The document's servers are ignored: any
// host is matched by path alone.
func New(doc *openapi3.T) (*Validator, error) {
	routable := *doc
	routable.Servers = nil
	router, err := legacy.NewRouter(&routable)
	if err != nil {
		return nil, fmt.Errorf("apicheck: router: %w", err)
	}
	errSch := doc.Components.Schemas["Error"]
	if errSch == nil || errSch.Value == nil {
		return nil, errors.New("apicheck: the document has no Error schema")
	}
	return &Validator{doc: doc, router: router, errSch: errSch.Value}, nil
}

// Mode says how much of an exchange the document must describe.
type Mode int

const (
	// Strict (the default): the route and method must be documented, and
	// the request and the answer must match the document.
	Strict Mode = iota
	// BadRequest: the request is broken on purpose, so it is not checked;
	// the route and method must be documented and the answer must match.
	BadRequest
	// Probe: the method may be one the path does not have, and the request
	// is not checked; an undocumented route or method must answer 404 or
	// 405 in the one error shape, a documented one as documented.
	Probe
)

type modeKey struct{}

// WithMode marks the requests sent with ctx.
func WithMode(ctx context.Context, m Mode) context.Context {
	return context.WithValue(ctx, modeKey{}, m)
}

func modeOf(ctx context.Context) Mode {
	m, _ := ctx.Value(modeKey{}).(Mode)
	return m
}

// Violations returns and forgets the violations seen so far, and how many
// exchanges were checked.
func (v *Validator) Violations() (violations []string, checked int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	violations, checked = v.violations, v.checked
	v.violations, v.checked = nil, 0
	return violations, checked
}

func (v *Validator) record(req *http.Request, status int, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.checked++
	if err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\nSchema:") // not the whole schema
		uri := req.URL.RequestURI()
		if len(uri) > 120 {
			uri = uri[:120] + "…"
		}
		v.violations = append(v.violations, fmt.Sprintf("%s %s → %d: %s", req.Method, uri, status, msg))
	}
}

// Transport wraps next: every exchange through it is checked.
func (v *Validator) Transport(next http.RoundTripper) http.RoundTripper {
	return roundTripper{v: v, next: next}
}

type roundTripper struct {
	v    *Validator
	next http.RoundTripper
}

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	mode := modeOf(req.Context())
	route, params, routeErr := rt.v.router.FindRoute(req)
	var reqErr error
	if routeErr == nil && mode == Strict {
		if req, reqErr = rt.v.checkRequest(req, route, params); req == nil {
			return nil, reqErr
		}
	}
	resp, err := rt.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	switch {
	case reqErr != nil:
		rt.v.record(req, resp.StatusCode, fmt.Errorf("request: %w", reqErr))
	case routeErr != nil && mode != Probe:
		rt.v.record(req, resp.StatusCode, fmt.Errorf("not in the document: %w", routeErr))
	case routeErr != nil:
		rt.v.record(req, resp.StatusCode, rt.v.checkUndocumented(resp))
	default:
		rt.v.record(req, resp.StatusCode, rt.v.checkResponse(req, resp, route, params))
	}
	return resp, nil
}

// checkRequest validates req. Its body is read, so the request to send is
// a copy with the body put back (nil if the body could not be read).
func (v *Validator) checkRequest(req *http.Request, route *routers.Route, params map[string]string) (*http.Request, error) {
	out, check := req.Clone(req.Context()), req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		check.Body = io.NopCloser(bytes.NewReader(body))
		if len(body) == 0 {
			check.Body = http.NoBody
		}
	}
	in := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: credentialsPresent, MultiError: true, RejectWhenRequestBodyNotSpecified: true}}
	return out, openapi3filter.ValidateRequest(req.Context(), in)
}

// credentialsPresent accepts a security scheme when its credential is
// sent; checking it is the server's business.
func credentialsPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r, s := in.RequestValidationInput.Request, in.SecurityScheme
	switch {
	case s.Type == "http" && s.Scheme == "bearer":
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			return nil
		}
	case s.Type == "apiKey" && s.In == "query":
		if r.URL.Query().Get(s.Name) != "" {
			return nil
		}
	}
	return fmt.Errorf("no %s credential", in.SecuritySchemeName)
}

// checkResponse validates the answer to a documented operation. An event
// stream's body is never read: it does not end.
func (v *Validator) checkResponse(req *http.Request, resp *http.Response, route *routers.Route, params map[string]string) error {
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if isEventStream(resp) {
		in.Options.ExcludeResponseBody = true
		in.Body = io.NopCloser(bytes.NewReader(nil))
		return openapi3filter.ValidateResponse(req.Context(), in)
	}
	body, err := readBack(resp)
	if err != nil {
		return err
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(req.Context(), in)
}

// checkUndocumented: an undocumented route or method must be refused in
// the one error shape.
func (v *Validator) checkUndocumented(resp *http.Response) error {
	if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
		return fmt.Errorf("an undocumented route answered %d, want 404 or 405", resp.StatusCode)
	}
	body, err := readBack(resp)
	if err != nil {
		return err
	}
	return v.CheckError(resp.Header, body)
}

// CheckError checks an answer is the one error shape, as JSON.
func (v *Validator) CheckError(h http.Header, body []byte) error {
	if mt, _, err := mime.ParseMediaType(h.Get("Content-Type")); err != nil || mt != "application/json" {
		return fmt.Errorf("error answer with Content-Type %q", h.Get("Content-Type"))
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("error answer is not JSON: %w", err)
	}
	return v.errSch.VisitJSON(value, openapi3.MultiErrors())
}

func isEventStream(resp *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt == "text/event-stream"
}

// readBack reads the whole body and puts a copy back for the caller.
func readBack(resp *http.Response) ([]byte, error) {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return body, err
}
