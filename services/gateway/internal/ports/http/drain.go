package http

import (
	"context"
	"io"
	"net/http"

	"github.com/altisair/altis/services/gateway/internal/proxy"
)

// retryOnStop is the reconnection delay a proxied stream leaves when the
// gateway stops: its client comes back at once, to another instance.
const retryOnStop = "retry: 1000\n\n"

// streamUntilStop proxies a stream until the client or the upstream ends
// it, or the gateway stops: then the upstream request is cancelled and the
// client gets a retry hint and the end of the stream. (The server's
// shutdown only waits for requests to end; a stream never would.)
func streamUntilStop(up *proxy.Upstream, w *interimAware, r *http.Request, stopping <-chan struct{}) (err error) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-stopping:
			cancel()
		case <-done:
		}
	}()
	defer func() {
		// The reverse proxy aborts the response (panics) when the copy
		// fails: a cancel for the stop ends it with the hint instead.
		p := recover()
		if p != nil && (p != http.ErrAbortHandler || !endedByStop(w, r, stopping)) {
			panic(p)
		}
		if endedByStop(w, r, stopping) {
			_, _ = io.WriteString(w, retryOnStop)
			_ = http.NewResponseController(w.Response).Flush()
			err = nil
		}
	}()
	return up.Stream(w, r.WithContext(ctx))
}

// endedByStop: the gateway is stopping, the stream had started, and its
// client is still there.
func endedByStop(w *interimAware, r *http.Request, stopping <-chan struct{}) bool {
	select {
	case <-stopping:
		return w.Committed && r.Context().Err() == nil
	default:
		return false
	}
}
