package whisperdhelpers_test

// The helpers on answers the live server rarely gives (mid-stream errors, events split
// across reads), from a stand-in server, so each case is exact and needs no model.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	whisperd "whisperd.local/clients/go"
	"whisperd.local/clients/go/whisperdhelpers"
)

func standIn(t *testing.T, contentType string, chunks ...string) *whisperd.APIClient {
	t.Helper()
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		for _, chunk := range chunks {
			_, _ = w.Write([]byte(chunk))
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(server.Close)
	cfg := whisperd.NewConfiguration()
	cfg.Servers = whisperd.ServerConfigurations{{URL: server.URL}}
	cfg.HTTPClient = &http.Client{Transport: whisperdhelpers.EventStreamTransport(nil)}
	return whisperd.NewAPIClient(cfg)
}

func audioFile(t *testing.T) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "a.wav")
	if err := os.WriteFile(path, []byte("RIFF"), 0o600); err != nil {
		t.Fatal(err)
	}
	return open(t, path)
}

func TestEventsSplitAcrossWritesArriveWhole(t *testing.T) {
	api := standIn(t, "text/event-stream",
		": comment\r\ndata: {\"type\":\"transcript.text.delta\",\"del",
		"ta\":\"Hel\"}\r\n\r\ndata: {\"type\":\"transcript.text.delta\",\"delta\":\"lo\"}\n\n",
		"data: {\"type\":\"transcript.text.done\",\"text\":\"Hello\"}\n\ndata: [DONE]\n\n")
	var deltas []string
	var text string
	ctx := whisperdhelpers.OnEvent(context.Background(), func(event whisperd.TranscriptionStreamEvent) error {
		if event.TranscriptTextDeltaEvent != nil {
			deltas = append(deltas, event.TranscriptTextDeltaEvent.GetDelta())
		} else if event.TranscriptTextDoneEvent != nil {
			text = event.TranscriptTextDoneEvent.GetText()
		}
		return nil
	})
	_, err := whisperdhelpers.Text(api.AudioAPI.CreateTranscription(ctx).
		File(audioFile(t)).Model("whisper-1").Stream(true).Execute())
	if err != nil {
		t.Fatal(err)
	}
	if len(deltas) != 2 || deltas[0]+deltas[1] != "Hello" || text != "Hello" {
		t.Errorf("deltas %q, text %q", deltas, text)
	}
}

func TestErrorEventEndsTheCallWithStreamError(t *testing.T) {
	api := standIn(t, "text/event-stream",
		"data: {\"type\":\"transcript.text.delta\",\"delta\":\"Hi\"}\n\n",
		"data: {\"error\":{\"message\":\"inference failed\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n")
	events := 0
	ctx := whisperdhelpers.OnEvent(context.Background(), func(whisperd.TranscriptionStreamEvent) error {
		events++
		return nil
	})
	_, _, err := api.AudioAPI.CreateTranscription(ctx).File(audioFile(t)).Model("whisper-1").Stream(true).Execute()
	var failure *whisperdhelpers.StreamError
	if !errors.As(err, &failure) {
		t.Fatalf("expected *StreamError, got %T %v", err, err)
	}
	if failure.Envelope.GetMessage() != "inference failed" || failure.Envelope.GetType() != "server_error" || events != 1 {
		t.Errorf("envelope %+v after %d events", failure.Envelope, events)
	}
}

func TestHandlerErrorStopsTheStream(t *testing.T) {
	api := standIn(t, "text/event-stream",
		"data: {\"type\":\"transcript.text.delta\",\"delta\":\"Hi\"}\n\n",
		"data: {\"type\":\"transcript.text.done\",\"text\":\"Hi\"}\n\n")
	stop := errors.New("enough")
	ctx := whisperdhelpers.OnEvent(context.Background(), func(whisperd.TranscriptionStreamEvent) error { return stop })
	_, _, err := api.AudioAPI.CreateTranscription(ctx).File(audioFile(t)).Model("whisper-1").Stream(true).Execute()
	if !errors.Is(err, stop) {
		t.Fatalf("expected the handler's error, got %v", err)
	}
}

func TestTextRefusesAJSONAnswer(t *testing.T) {
	api := standIn(t, "application/json", `{"text":"Hi"}`)
	_, err := whisperdhelpers.Text(api.AudioAPI.CreateTranscription(context.Background()).
		File(audioFile(t)).Model("whisper-1").Execute())
	if err == nil {
		t.Fatal("a JSON answer was returned as text")
	}
}
