// Package proxy holds the gateway's routing table and forwards requests to
// the command and query services through httputil.ReverseProxy, balanced
// over every address each service's name resolves to.
package proxy

import "net/http"

// Target names the service a route is forwarded to.
type Target string

// The services behind the gateway.
const (
	Command Target = "command"
	Query   Target = "query"
)

// Access says who may call a route.
type Access int

// Public routes need nothing; Guest routes need a valid guest token.
const (
	Public Access = iota
	Guest
)

// Route is one line of the routing table. Path uses echo's syntax.
type Route struct {
	Method string
	Path   string
	Target Target
	Access Access
	Stream bool // long-lived (SSE): no upstream timeout
	Read   bool // changes nothing: safe to send again to another instance
}

// Routes is the gateway's routing table. Anything else under /v1 is 404
// (405 for a known path with another method). Search is a POST that only
// reads; holds and bookings POST/DELETE change state and are never sent
// twice unless the first attempt provably never left (see Upstream.Forward).
func Routes() []Route {
	return []Route{
		{http.MethodPost, "/v1/flights/search", Query, Public, false, true},
		{http.MethodGet, "/v1/flights/:id/seats", Query, Public, false, true},
		{http.MethodGet, "/v1/flights/:id/stream", Query, Guest, true, true},
		{http.MethodGet, "/v1/holds/*", Command, Guest, false, true},
		{http.MethodPost, "/v1/holds/*", Command, Guest, false, false},
		{http.MethodDelete, "/v1/holds/*", Command, Guest, false, false},
		{http.MethodGet, "/v1/bookings/*", Command, Guest, false, true},
		{http.MethodPost, "/v1/bookings/*", Command, Guest, false, false},
	}
}
