package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Error is the one error shape every Altis API answers with:
// {"error":{"code","message","request_id","fields"}}.
type Error struct {
	Status     int               `json:"-"`
	Code       string            `json:"code"`
	Message    string            `json:"message"`
	RequestID  string            `json:"request_id,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
	RetryAfter time.Duration     `json:"-"`
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// Envelope is the JSON body of an error answer.
type Envelope struct {
	Error *Error `json:"error"`
}

// NewError builds an Error that handlers may return directly.
func NewError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// Invalid is a 400 with field-level messages.
func Invalid(fields map[string]string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_request", Message: "the request is invalid", Fields: fields}
}

// FieldErrors is implemented by validation errors that name the fields at
// fault; any such error answers 400 with those fields.
type FieldErrors interface {
	error
	FieldErrors() map[string]string
}

// Rule maps a sentinel error (matched with errors.Is) to an answer.
type Rule struct {
	Target  error
	Status  int
	Code    string
	Message string // optional; defaults to Target's own text
}

// ErrorTable is the one place a service maps its domain errors to HTTP.
type ErrorTable []Rule

// Resolve turns any error into an *Error. Unknown errors become a generic 500.
func (t ErrorTable) Resolve(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return fromEcho(he)
	}
	var fe FieldErrors
	if errors.As(err, &fe) {
		return Invalid(fe.FieldErrors())
	}
	for _, r := range t {
		if errors.Is(err, r.Target) {
			msg := r.Message
			if msg == "" {
				// The sentinel's own text: the chain wrapped around it
				// (function names, ids, causes) stays in the log.
				msg = r.Target.Error()
			}
			return &Error{Status: r.Status, Code: r.Code, Message: msg}
		}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}
}

func fromEcho(he *echo.HTTPError) *Error {
	status := he.Code
	code, ok := echoCodes[status]
	if !ok {
		code = "http_" + strconv.Itoa(status)
	}
	// One spelling for every answer: "not found", "method not allowed". A
	// 5xx message may carry internals: its body keeps the generic text.
	msg := strings.ToLower(http.StatusText(status))
	if status == http.StatusInternalServerError {
		msg = "internal error"
	}
	if s, ok := he.Message.(string); ok && s != "" && s != http.StatusText(status) && status < 500 {
		msg = s
	}
	return &Error{Status: status, Code: code, Message: msg}
}

var echoCodes = map[int]string{
	http.StatusInternalServerError:   "internal",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusRequestEntityTooLarge: "body_too_large",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusTooManyRequests:       "rate_limited",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusBadRequest:            "invalid_request",
	http.StatusServiceUnavailable:    "unavailable",
	http.StatusBadGateway:            "bad_gateway",
}

// errorHandler writes every error in the one shape. 5xx are logged at error
// level with the cause; their bodies stay generic.
func errorHandler(log *slog.Logger, table ErrorTable) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		e := table.Resolve(err)
		out := *e
		out.RequestID = RequestID(c)
		level := slog.LevelInfo
		if out.Status >= 500 {
			level = slog.LevelError
		}
		log.Log(c.Request().Context(), level, "request failed",
			"status", out.Status, "code", out.Code, "err", err.Error())
		if out.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int((out.RetryAfter+time.Second-1)/time.Second)))
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(out.Status)
			return
		}
		_ = c.JSON(out.Status, Envelope{Error: &out})
	}
}
