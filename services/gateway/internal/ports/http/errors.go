// Package http is the gateway's edge: it registers the routes on the echo
// server, checks tokens, tickets and limits, issues guest tokens and stream
// tickets and hands requests, token included, to the proxy.
package http

import (
	"net/http"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/gateway/internal/proxy"
)

// StatusClientClosed is logged when the client hung up before the upstream
// answered (nginx's 499); no one reads the body.
const StatusClientClosed = 499

// Errors maps the gateway's failures to answers. Messages are fixed so no
// cause (token parser detail, upstream address) reaches a client.
var Errors = web.ErrorTable{
	{Target: auth.ErrMissing, Status: http.StatusUnauthorized, Code: "unauthorized", Message: "a guest token is required"},
	{Target: auth.ErrExpired, Status: http.StatusUnauthorized, Code: "invalid_token", Message: "token expired"},
	{Target: auth.ErrMalformed, Status: http.StatusUnauthorized, Code: "invalid_token", Message: "token invalid"},
	{Target: auth.ErrInvalid, Status: http.StatusUnauthorized, Code: "invalid_token", Message: "token invalid"},
	{Target: proxy.ErrBodyTooLarge, Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: "request body is too large"},
	{Target: proxy.ErrTimeout, Status: http.StatusGatewayTimeout, Code: "upstream_timeout", Message: "the service did not answer in time"},
	{Target: proxy.ErrUnavailable, Status: http.StatusBadGateway, Code: "upstream_unavailable", Message: "the service is unavailable"},
	{Target: proxy.ErrClientGone, Status: StatusClientClosed, Code: "client_closed_request", Message: "client closed the request"},
}

func errBodyTooLarge() *web.Error {
	return web.NewError(http.StatusRequestEntityTooLarge, "body_too_large", "request body is too large")
}

func errNotFound() *web.Error {
	return web.NewError(http.StatusNotFound, "not_found", "not found")
}
