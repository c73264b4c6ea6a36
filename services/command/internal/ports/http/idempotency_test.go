package http_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/migrations"
	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/testenv"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/command/internal/adapters/postgres"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/domain/payment"
	"github.com/altisair/altis/services/command/internal/domain/trip"
	commandhttp "github.com/altisair/altis/services/command/internal/ports/http"
)

// idemRig is a tiny router behind the real guest check and the real
// idempotency store, with handlers that count their calls.
type idemRig struct {
	t      *testing.T
	e      *echo.Echo
	pool   *pgxpool.Pool
	tokens *auth.Issuer
	calls  atomic.Int32
	// entered and release let a test hold /block open.
	entered chan struct{}
	release chan struct{}
	log     *syncBuffer // what the middleware logged
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var errIdemTestLimit = errors.New("limit reached")

func newIdemRig(t *testing.T) *idemRig {
	t.Helper()
	r := &idemRig{t: t, pool: testenv.Pool(t, migrations.Apply),
		entered: make(chan struct{}, 100), release: make(chan struct{}), log: &syncBuffer{}}
	settings := shippedAuth(t)
	verifier, err := auth.NewVerifier(settings)
	must(t, err)
	r.tokens, err = auth.NewIssuer(settings)
	must(t, err)
	table := append(web.ErrorTable{
		{Target: payment.ErrDeclined, Status: http.StatusPaymentRequired, Code: "payment_declined"},
		{Target: trip.ErrConflict, Status: http.StatusConflict, Code: "concurrent_change"},
		{Target: errIdemTestLimit, Status: http.StatusTooManyRequests, Code: "too_many"},
	}, commandhttp.IdempotencyErrors...)
	srv := web.New(web.Options{Service: "command", Log: logging.Discard(), Errors: table})
	idem := commandhttp.Idempotent(postgres.NewIdempotency(r.pool), slog.New(slog.NewTextHandler(r.log, nil)))
	g := srv.Echo.Group("/v1", web.RequireGuest(verifier))
	g.POST("/things", r.create, idem)
	g.POST("/things/:id/parts", r.create, idem)
	g.POST("/status/:code", r.status, idem)
	g.POST("/fail/:how", r.fail, idem)
	g.POST("/block", r.block, idem)
	g.POST("/self", r.self, idem)
	srv.Echo.POST("/unguarded", r.create, idem) // wrongly wired: no guest check
	r.e = srv.Echo
	return r
}

type thing struct {
	Name string `json:"name"`
}

type thingCreated struct {
	Call int32  `json:"call"` // which call of the handler answered
	Name string `json:"name"`
}

// create decodes the body (so it must have been put back) and answers
// with the handler's call count.
func (r *idemRig) create(c echo.Context) error {
	n := r.calls.Add(1)
	var in thing
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, thingCreated{Call: n, Name: in.Name})
}

// status answers 200, 204 or 410 as asked.
func (r *idemRig) status(c echo.Context) error {
	n := r.calls.Add(1)
	switch c.Param("code") {
	case "204":
		return c.NoContent(http.StatusNoContent)
	case "410":
		return web.NewError(http.StatusGone, "gone", "gone")
	case "huge":
		return c.JSON(http.StatusOK, map[string]string{"blob": strings.Repeat("x", web.MaxBody)})
	}
	return c.JSON(http.StatusOK, thingCreated{Call: n})
}

func (r *idemRig) fail(c echo.Context) error {
	r.calls.Add(1)
	switch c.Param("how") {
	case "500":
		return errors.New("the database went away")
	case "503":
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
	case "declined":
		return payment.ErrDeclined
	case "limit":
		return errIdemTestLimit
	case "conflict":
		return trip.ErrConflict
	case "panic":
		panic("handler bug")
	}
	return errors.New("unknown failure")
}

func (r *idemRig) block(c echo.Context) error {
	n := r.calls.Add(1)
	r.entered <- struct{}{}
	<-r.release
	return c.JSON(http.StatusCreated, thingCreated{Call: n})
}

// self stores its answer in its own transaction, as the booking commit
// does, and then answers something else: the stored answer must win.
func (r *idemRig) self(c echo.Context) error {
	r.calls.Add(1)
	ctx := c.Request().Context()
	slot := app.IdempotencySlotFrom(ctx)
	if slot == nil {
		return c.JSON(http.StatusOK, map[string]string{"slot": "none"})
	}
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		return postgres.CompleteIdempotencyTx(ctx, tx, slot.Guest, slot.Key, http.StatusCreated, []byte(`{"stored":"in the transaction"}`))
	})
	if err != nil {
		return err
	}
	slot.MarkDone()
	return c.JSON(http.StatusCreated, map[string]string{"stored": "by the handler"})
}

func (r *idemRig) guest() string {
	r.t.Helper()
	tok, err := r.tokens.Issue()
	must(r.t, err)
	return "Bearer " + tok.Value
}

// post sends body with the Idempotency-Key header values given (none: no
// header).
func (r *idemRig) post(path, authz, body string, keys ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	if authz != "" {
		req.Header.Set(echo.HeaderAuthorization, authz)
	}
	for _, k := range keys {
		req.Header.Add(commandhttp.HeaderIdempotencyKey, k)
	}
	rec := httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	return rec
}

func replayed(rec *httptest.ResponseRecorder) bool {
	return rec.Header().Get(commandhttp.HeaderIdempotentReplayed) == "true"
}

// sameAnswer checks that again replays first exactly.
func sameAnswer(t *testing.T, first, again *httptest.ResponseRecorder) {
	t.Helper()
	if replayed(first) {
		t.Error("the first answer says it was replayed")
	}
	if !replayed(again) {
		t.Errorf("the replay lacks %s: true (%d %s)", commandhttp.HeaderIdempotentReplayed, again.Code, again.Body)
	}
	if again.Code != first.Code || !bytes.Equal(again.Body.Bytes(), first.Body.Bytes()) ||
		again.Header().Get(echo.HeaderContentType) != first.Header().Get(echo.HeaderContentType) {
		t.Errorf("replay %d %q %s, want %d %q %s", again.Code, again.Header().Get(echo.HeaderContentType), again.Body,
			first.Code, first.Header().Get(echo.HeaderContentType), first.Body)
	}
}

// wantCalls checks how often the handlers ran, and that every claim was
// settled without a complaint.
func (r *idemRig) wantCalls(n int32) {
	r.t.Helper()
	if got := r.calls.Load(); got != n {
		r.t.Fatalf("handler ran %d times, want %d", got, n)
	}
	if logged := r.log.String(); logged != "" {
		r.t.Fatalf("the middleware logged:\n%s", logged)
	}
}

func TestIdempotentReplaysTheFirstAnswer(t *testing.T) {
	r := newIdemRig(t)
	g := r.guest()
	first := r.post("/v1/things", g, `{"name":"a"}`, "key-1")
	if first.Code != http.StatusCreated || !strings.Contains(first.Body.String(), `"call":1`) {
		t.Fatalf("first: %d %s", first.Code, first.Body)
	}
	again := r.post("/v1/things", g, `{"name":"a"}`, "key-1")
	sameAnswer(t, first, again)
	sameAnswer(t, first, r.post("/v1/things", g, `{"name":"a"}`, "  key-1 ")) // spaces around a key are dropped
	r.wantCalls(1)
	if again.Header().Get(web.HeaderRequestID) == first.Header().Get(web.HeaderRequestID) {
		t.Error("the replay reuses the first request's id")
	}
	// Other answers are kept too.
	for _, code := range []string{"200", "204", "410"} {
		first := r.post("/v1/status/"+code, g, "", "status-"+code)
		if first.Code == 0 || strings.HasPrefix(first.Body.String(), `{"error":{"code":"internal"`) {
			t.Fatalf("%s: %d %s", code, first.Code, first.Body)
		}
		sameAnswer(t, first, r.post("/v1/status/"+code, g, "", "status-"+code))
	}
	r.wantCalls(4)
}

func TestIdempotentRefusesTheKeyForAnotherRequest(t *testing.T) {
	r := newIdemRig(t)
	g := r.guest()
	if rec := r.post("/v1/things", g, `{"name":"a"}`, "key-1"); rec.Code != http.StatusCreated {
		t.Fatalf("first: %d %s", rec.Code, rec.Body)
	}
	fails(t, r.post("/v1/things", g, `{"name":"b"}`, "key-1"), http.StatusUnprocessableEntity, "idempotency_mismatch")
	fails(t, r.post("/v1/things", g, `{"name": "a"}`, "key-1"), http.StatusUnprocessableEntity, "idempotency_mismatch")
	fails(t, r.post("/v1/things/1/parts", g, `{"name":"a"}`, "key-1"), http.StatusUnprocessableEntity, "idempotency_mismatch")
	fails(t, r.post("/v1/status/200", g, `{"name":"a"}`, "key-1"), http.StatusUnprocessableEntity, "idempotency_mismatch")
	// The same route with another path is another request too.
	if rec := r.post("/v1/things/1/parts", g, `{}`, "key-2"); rec.Code != http.StatusCreated {
		t.Fatalf("parts of 1: %d %s", rec.Code, rec.Body)
	}
	fails(t, r.post("/v1/things/2/parts", g, `{}`, "key-2"), http.StatusUnprocessableEntity, "idempotency_mismatch")
	r.wantCalls(2)
}

func TestIdempotentConcurrentDuplicateIs409(t *testing.T) {
	r := newIdemRig(t)
	g := r.guest()
	first := make(chan *httptest.ResponseRecorder, 1)
	go func() { first <- r.post("/v1/block", g, `{}`, "key-1") }()
	select {
	case <-r.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first request never reached the handler")
	}
	fails(t, r.post("/v1/block", g, `{}`, "key-1"), http.StatusConflict, "idempotency_in_progress")
	fails(t, r.post("/v1/block", g, `{"other":1}`, "key-1"), http.StatusUnprocessableEntity, "idempotency_mismatch")
	close(r.release)
	var rec *httptest.ResponseRecorder
	select {
	case rec = <-first:
	case <-time.After(10 * time.Second):
		t.Fatal("the first request never answered")
	}
	if rec.Code != http.StatusCreated {
		t.Fatalf("first: %d %s", rec.Code, rec.Body)
	}
	sameAnswer(t, rec, r.post("/v1/block", g, `{}`, "key-1"))
	r.wantCalls(1)
}

func TestIdempotentManyDuplicatesRunOnce(t *testing.T) {
	r := newIdemRig(t)
	g := r.guest()
	const n = 50
	var wg sync.WaitGroup
	answers := make(chan *httptest.ResponseRecorder, n)
	for range n {
		wg.Go(func() { answers <- r.post("/v1/things", g, `{"name":"a"}`, "key-1") })
	}
	wg.Wait()
	close(answers)
	created := 0
	for rec := range answers {
		switch {
		case rec.Code == http.StatusCreated && !replayed(rec):
			created++
		case rec.Code == http.StatusCreated, rec.Code == http.StatusConflict:
		default:
			t.Errorf("answer %d %s", rec.Code, rec.Body)
		}
	}
	if created != 1 {
		t.Fatalf("%d original answers, want 1", created)
	}
	r.wantCalls(1)
}

func TestIdempotentKeysAreScopedToTheGuest(t *testing.T) {
	r := newIdemRig(t)
	a, b := r.guest(), r.guest()
	ra := r.post("/v1/things", a, `{"name":"a"}`, "shared")
	rb := r.post("/v1/things", b, `{"name":"b"}`, "shared")
	if ra.Code != http.StatusCreated || rb.Code != http.StatusCreated || replayed(rb) {
		t.Fatalf("a: %d %s; b: %d %s", ra.Code, ra.Body, rb.Code, rb.Body)
	}
	sameAnswer(t, ra, r.post("/v1/things", a, `{"name":"a"}`, "shared"))
	sameAnswer(t, rb, r.post("/v1/things", b, `{"name":"b"}`, "shared"))
	r.wantCalls(2)
}

func TestIdempotentKeepsFailuresRetryable(t *testing.T) {
	for _, tt := range []struct {
		how    string
		status int
	}{
		{"500", http.StatusInternalServerError},
		{"503", http.StatusServiceUnavailable},
		{"declined", http.StatusPaymentRequired},
		{"limit", http.StatusTooManyRequests},
		{"conflict", http.StatusConflict},
		{"panic", http.StatusInternalServerError},
	} {
		t.Run(tt.how, func(t *testing.T) {
			r := newIdemRig(t)
			g := r.guest()
			for i := range 3 {
				rec := r.post("/v1/fail/"+tt.how, g, `{}`, "key-1")
				if rec.Code != tt.status || replayed(rec) {
					t.Fatalf("try %d: %d (replayed %v) %s, want %d", i, rec.Code, replayed(rec), rec.Body, tt.status)
				}
			}
			r.wantCalls(3)
			// Nothing was kept: the key is free for another request.
			if rec := r.post("/v1/things", g, `{}`, "key-1"); rec.Code != http.StatusCreated {
				t.Fatalf("another request with the key: %d %s", rec.Code, rec.Body)
			}
		})
	}
}

func TestIdempotentDoesNotKeepAHugeAnswer(t *testing.T) {
	r := newIdemRig(t)
	g := r.guest()
	for i := range 2 {
		rec := r.post("/v1/status/huge", g, "", "key-1")
		if rec.Code != http.StatusOK || replayed(rec) || rec.Body.Len() <= web.MaxBody {
			t.Fatalf("try %d: %d (replayed %v), %d bytes", i, rec.Code, replayed(rec), rec.Body.Len())
		}
	}
	r.wantCalls(2)
}

func TestIdempotentKeepsValidationAnswers(t *testing.T) {
	r := newIdemRig(t)
	g := r.guest()
	first := r.post("/v1/things", g, `{"nope":1}`, "key-1")
	fails(t, first, http.StatusBadRequest, "invalid_request", "nope")
	sameAnswer(t, first, r.post("/v1/things", g, `{"nope":1}`, "key-1"))
	r.wantCalls(1)
}

func TestIdempotentWithoutKeyRunsEveryTime(t *testing.T) {
	r := newIdemRig(t)
	g := r.guest()
	for i := range 3 {
		rec := r.post("/v1/things", g, `{"name":"a"}`)
		if rec.Code != http.StatusCreated || replayed(rec) {
			t.Fatalf("try %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	if rec := r.post("/v1/self", g, `{}`); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "none") {
		t.Fatalf("a request without a key has a slot: %d %s", rec.Code, rec.Body)
	}
	r.wantCalls(4)
}

func TestIdempotentRefusesBadKeys(t *testing.T) {
	r := newIdemRig(t)
	g := r.guest()
	for name, keys := range map[string][]string{
		"empty":         {""},
		"blank":         {"   "},
		"too long":      {strings.Repeat("k", 256)},
		"control":       {"key\x01"},
		"non-ASCII":     {"clé"},
		"two keys":      {"a", "b"},
		"DEL character": {"key\x7f"},
	} {
		t.Run(name, func(t *testing.T) {
			fails(t, r.post("/v1/things", g, `{}`, keys...), http.StatusBadRequest, "invalid_request", commandhttp.HeaderIdempotencyKey)
		})
	}
	r.wantCalls(0)
	if rec := r.post("/v1/things", g, `{}`, strings.Repeat("k", 255)); rec.Code != http.StatusCreated {
		t.Fatalf("255 characters: %d %s", rec.Code, rec.Body)
	}
	if rec := r.post("/v1/things", g, `{}`, "a key with spaces: and ~ punctuation!"); rec.Code != http.StatusCreated {
		t.Fatalf("printable key: %d %s", rec.Code, rec.Body)
	}
}

func TestIdempotentRefusesATooLargeBodyBeforeClaiming(t *testing.T) {
	r := newIdemRig(t)
	g := r.guest()
	big := `{"name":"` + strings.Repeat("x", web.MaxBody) + `"}`
	fails(t, r.post("/v1/things", g, big, "key-1"), http.StatusRequestEntityTooLarge, "body_too_large")
	r.wantCalls(0)
	if rec := r.post("/v1/things", g, `{"name":"a"}`, "key-1"); rec.Code != http.StatusCreated || replayed(rec) {
		t.Fatalf("the key was claimed by a refused body: %d %s", rec.Code, rec.Body)
	}
}

func TestIdempotentLeavesAnAnswerTheUseCaseStored(t *testing.T) {
	r := newIdemRig(t)
	g := r.guest()
	first := r.post("/v1/self", g, `{}`, "key-1")
	if first.Code != http.StatusCreated || !strings.Contains(first.Body.String(), "by the handler") {
		t.Fatalf("first: %d %s", first.Code, first.Body)
	}
	again := r.post("/v1/self", g, `{}`, "key-1")
	if again.Code != http.StatusCreated || !replayed(again) || again.Body.String() != `{"stored":"in the transaction"}` {
		t.Fatalf("replay: %d %v %s, want the answer stored in the transaction", again.Code, again.Header(), again.Body)
	}
	r.wantCalls(1)
}

func TestIdempotentNeedsAGuest(t *testing.T) {
	r := newIdemRig(t)
	fails(t, r.post("/unguarded", "", `{}`, "key-1"), http.StatusInternalServerError, "internal")
	r.wantCalls(0)
	if rec := r.post("/unguarded", "", `{}`); rec.Code != http.StatusCreated {
		t.Fatalf("without a key: %d %s", rec.Code, rec.Body)
	}
}

func TestIdempotentRefusesNilDependencies(t *testing.T) {
	for name, build := range map[string]func(){
		"store": func() { commandhttp.Idempotent(nil, logging.Discard()) },
		"log":   func() { commandhttp.Idempotent(postgres.NewIdempotency(nil), nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("nil %s accepted", name)
				}
			}()
			build()
		}()
	}
}
