package whisperdhelpers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	whisperd "whisperd.local/clients/go"
)

// EventHandler receives each event of a stream=true answer as it arrives. Returning an
// error stops reading the stream; the generated Execute call then returns that error.
type EventHandler func(event whisperd.TranscriptionStreamEvent) error

type handlerKey struct{}

// OnEvent returns a context under which a streamed request (built with that context and
// sent through EventStreamTransport) hands each event to handle.
func OnEvent(ctx context.Context, handle EventHandler) context.Context {
	return context.WithValue(ctx, handlerKey{}, handle)
}

// EventStreamTransport wraps base (http.DefaultTransport when nil) so that the events of a
// text/event-stream answer reach the OnEvent handler of the request's context while the
// generated client reads the body. Install it once:
//
//	cfg.HTTPClient = &http.Client{Transport: whisperdhelpers.EventStreamTransport(nil)}
func EventStreamTransport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &eventStreamTransport{base: base}
}

type eventStreamTransport struct{ base http.RoundTripper }

func (t *eventStreamTransport) RoundTrip(request *http.Request) (*http.Response, error) {
	response, err := t.base.RoundTrip(request)
	if err != nil {
		return response, err
	}
	handle, ok := request.Context().Value(handlerKey{}).(EventHandler)
	mediaType := response.Header.Get("Content-Type")
	if ok && response.StatusCode == http.StatusOK && strings.HasPrefix(mediaType, "text/event-stream") {
		response.Body = &eventReader{body: response.Body, handle: handle}
	}
	return response, nil
}

// StreamError is the error event ({"error": {...}}) of a stream that failed after it
// started; the generated Execute call returns it (find it with errors.As).
type StreamError struct{ Envelope whisperd.Error }

func (e *StreamError) Error() string { return "the stream failed: " + e.Envelope.Message }

// eventReader passes the body through unchanged and parses its `data:` lines on the way.
type eventReader struct {
	body    io.ReadCloser
	handle  EventHandler
	pending bytes.Buffer
	done    bool
}

func (r *eventReader) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	r.pending.Write(p[:n])
	for !r.done {
		line, readErr := r.pending.ReadString('\n')
		if readErr != nil { // no whole line yet: keep the fragment for the next read
			r.pending.Reset()
			r.pending.WriteString(line)
			break
		}
		if handleErr := r.dispatch(strings.TrimRight(line, "\r\n")); handleErr != nil {
			return n, handleErr
		}
	}
	return n, err
}

func (r *eventReader) dispatch(line string) error {
	data, ok := strings.CutPrefix(line, "data:")
	if !ok {
		return nil // blank separators, comments, `event:` lines
	}
	data = strings.TrimSpace(data)
	if data == "[DONE]" {
		r.done = true
		return nil
	}
	var failure whisperd.TranscriptionStreamError
	if json.Unmarshal([]byte(data), &failure) == nil && failure.Error.Message != "" {
		return &StreamError{Envelope: failure.Error}
	}
	var event whisperd.TranscriptionStreamEvent
	if err := json.Unmarshal([]byte(data), &event); err != nil {
		return fmt.Errorf("unreadable stream event %q: %w", data, err)
	}
	return r.handle(event)
}

func (r *eventReader) Close() error { return r.body.Close() }
