package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// The headers of idempotent requests.
const (
	HeaderIdempotencyKey     = "Idempotency-Key"
	HeaderIdempotentReplayed = "Idempotent-Replayed"
)

// maxIdempotencyKey bounds a key, as the idempotency_keys table does.
const maxIdempotencyKey = 255

// maxStoredAnswer bounds the answer body kept for replay.
const maxStoredAnswer = 1 << 20

// storeTimeout bounds completing or abandoning a claim once the request is
// answered, even if the guest has gone.
const storeTimeout = 5 * time.Second

// IdempotencyErrors maps the idempotency errors to HTTP answers.
var IdempotencyErrors = web.ErrorTable{
	{Target: app.ErrIdempotencyMismatch, Status: http.StatusUnprocessableEntity, Code: "idempotency_mismatch",
		Message: "this Idempotency-Key was used for another request: send a new key"},
	{Target: app.ErrIdempotencyInProgress, Status: http.StatusConflict, Code: "idempotency_in_progress",
		Message: "a request with this Idempotency-Key is still running: retry once it has answered"},
}

// Idempotent makes a guest route honour an Idempotency-Key header (it must
// run after web.RequireGuest). The same key with the same request replays
// the first answer with `Idempotent-Replayed: true`; with another request
// it is a 422; while the first still runs, a 409. A request without the
// header runs as usual. Answers that wrote nothing stay retryable: a 5xx, a
// declined payment (402), a limit (429) or a concurrent change are not
// kept. A use case that stores its answer in its own transaction marks the
// request's app.IdempotencySlot done, and the answer is left as stored.
func Idempotent(store app.Idempotency, log *slog.Logger) echo.MiddlewareFunc {
	if store == nil || log == nil {
		panic("command http: Idempotent needs a store and a logger")
	}
	m := idempotent{store: store, log: log}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { return m.serve(c, next) }
	}
}

type idempotent struct {
	store app.Idempotency
	log   *slog.Logger
}

func (m idempotent) serve(c echo.Context, next echo.HandlerFunc) error {
	values, sent := c.Request().Header[HeaderIdempotencyKey]
	if !sent {
		return next(c)
	}
	key, err := parseIdempotencyKey(values)
	if err != nil {
		return err
	}
	guest := web.GuestID(c)
	if guest == "" {
		return errors.New("idempotency: no guest on the request: the route must run behind web.RequireGuest")
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	stored, replay, err := m.store.Begin(c.Request().Context(), guest, key, fingerprint(c, body))
	if err != nil {
		return err
	}
	if replay {
		return replayAnswer(c, stored)
	}
	return m.run(c, next, &app.IdempotencySlot{Guest: guest, Key: key})
}

// parseIdempotencyKey accepts one key of 1 to 255 printable ASCII
// characters (surrounding spaces dropped).
func parseIdempotencyKey(values []string) (string, error) {
	invalid := func(msg string) error { return web.Invalid(map[string]string{HeaderIdempotencyKey: msg}) }
	if len(values) != 1 {
		return "", invalid("send one key")
	}
	key := strings.TrimSpace(values[0])
	switch {
	case key == "":
		return "", invalid("must not be empty")
	case len(key) > maxIdempotencyKey:
		return "", invalid("must be at most 255 characters")
	}
	for i := range len(key) {
		if key[i] < ' ' || key[i] > '~' {
			return "", invalid("must be printable ASCII")
		}
	}
	return key, nil
}

// readBody reads the whole body (up to web.MaxBody) and puts it back for
// the handler.
func readBody(c echo.Context) ([]byte, error) {
	req := c.Request()
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, web.MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, web.NewError(http.StatusRequestEntityTooLarge, "body_too_large", "request body is too large")
		}
		return nil, web.NewError(http.StatusBadRequest, "invalid_request", "could not read request body")
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// fingerprint is the SHA-256 of the method, the route, the path and the
// body, each but the last prefixed with its length so no two requests
// share an encoding.
func fingerprint(c echo.Context, body []byte) []byte {
	h := sha256.New()
	for _, part := range []string{c.Request().Method, c.Path(), c.Request().URL.Path} {
		_ = binary.Write(h, binary.BigEndian, uint64(len(part)))
		_, _ = io.WriteString(h, part)
	}
	_, _ = h.Write(body)
	return h.Sum(nil)
}

func replayAnswer(c echo.Context, s app.Stored) error {
	c.Response().Header().Set(HeaderIdempotentReplayed, "true")
	if len(s.Body) == 0 {
		return c.NoContent(s.Status)
	}
	return c.JSONBlob(s.Status, s.Body)
}

// run serves the request with slot in its context, writes the answer
// (errors included, so it can be kept) and settles the claim. A panic
// abandons the claim before it goes on up.
func (m idempotent) run(c echo.Context, next echo.HandlerFunc, slot *app.IdempotencySlot) error {
	req, res := c.Request(), c.Response()
	c.SetRequest(req.WithContext(app.WithIdempotencySlot(req.Context(), slot)))
	capture := &captureWriter{ResponseWriter: res.Writer}
	res.Writer = capture
	settled := false
	defer func() {
		res.Writer = capture.ResponseWriter
		if !settled {
			m.settle(c, slot, func(ctx context.Context) error { return m.store.Abandon(ctx, slot.Guest, slot.Key) })
		}
	}()
	err := next(c)
	if err != nil {
		c.Error(err)
	}
	settled = true
	switch {
	case slot.Done():
	case retryable(res.Status, err) || capture.overflow:
		m.settle(c, slot, func(ctx context.Context) error { return m.store.Abandon(ctx, slot.Guest, slot.Key) })
	default:
		m.settle(c, slot, func(ctx context.Context) error {
			return m.store.Complete(ctx, slot.Guest, slot.Key, res.Status, capture.buf.Bytes())
		})
	}
	return nil
}

// retryable tells answers after which nothing was written, that a retry
// with the same key must run again.
func retryable(status int, err error) bool {
	switch {
	case status >= http.StatusInternalServerError, status == http.StatusPaymentRequired,
		status == http.StatusTooManyRequests:
		return true
	}
	return errors.Is(err, trip.ErrConflict) // "changed concurrently: try again"
}

// settle completes or abandons the claim, on a context the guest leaving
// does not cancel. A failure is logged: the claim then runs until its
// lease passes.
func (m idempotent) settle(c echo.Context, slot *app.IdempotencySlot, do func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), storeTimeout)
	defer cancel()
	if err := do(ctx); err != nil {
		m.log.ErrorContext(ctx, "idempotency key not settled", "key", slot.Key, "err", err)
	}
}

// captureWriter keeps a copy of the body written through it, up to
// maxStoredAnswer.
type captureWriter struct {
	http.ResponseWriter
	buf      bytes.Buffer
	overflow bool
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if !w.overflow {
		if w.buf.Len()+len(b) > maxStoredAnswer {
			w.overflow = true
			w.buf = bytes.Buffer{}
		} else {
			w.buf.Write(b)
		}
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushes).
func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
