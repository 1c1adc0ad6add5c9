package whisperdhelpers_test

// End-to-end tests of the generated Go client and these helpers against a running server.
// clients/tests/test_go_client.py starts the server, synthesises the speech and runs them
// with WHISPERD_URL and the WHISPERD_TEST_* variables set; without them they skip.

import (
	"context"
	"errors"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	whisperd "whisperd.local/clients/go"
	"whisperd.local/clients/go/whisperdhelpers"
)

type fixture struct {
	api              *whisperd.APIClient
	english, german  string
	englishWords     []string
	translationWords []string
}

func setUp(t *testing.T) fixture {
	t.Helper()
	url := os.Getenv("WHISPERD_URL")
	if url == "" {
		t.Skip("WHISPERD_URL is not set: run through clients/tests/test_go_client.py")
	}
	cfg := whisperd.NewConfiguration()
	cfg.Servers = whisperd.ServerConfigurations{{URL: url}}
	cfg.HTTPClient = &http.Client{Transport: whisperdhelpers.EventStreamTransport(nil)}
	return fixture{
		api:              whisperd.NewAPIClient(cfg),
		english:          os.Getenv("WHISPERD_TEST_ENGLISH_AUDIO"),
		german:           os.Getenv("WHISPERD_TEST_GERMAN_AUDIO"),
		englishWords:     strings.Fields(os.Getenv("WHISPERD_TEST_ENGLISH_WORDS")),
		translationWords: strings.Fields(os.Getenv("WHISPERD_TEST_TRANSLATION_WORDS")),
	}
}

func open(t *testing.T, path string) *os.File {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { file.Close() })
	return file
}

func requireAllWords(t *testing.T, text string, words []string) {
	t.Helper()
	if len(words) == 0 {
		t.Fatal("no expected words given")
	}
	for _, word := range words {
		if !strings.Contains(strings.ToLower(text), word) {
			t.Errorf("%q is not in the transcript %q", word, text)
		}
	}
}

// requireSomeWords asks for two of the words: base translates espeak's German loosely.
func requireSomeWords(t *testing.T, text string, words []string) {
	t.Helper()
	found := 0
	for _, word := range words {
		if strings.Contains(strings.ToLower(text), word) {
			found++
		}
	}
	if found < 2 {
		t.Errorf("fewer than two of %v in the translation %q", words, text)
	}
}

func TestTranscribeJSON(t *testing.T) {
	f := setUp(t)
	result, _, err := f.api.AudioAPI.CreateTranscription(context.Background()).
		File(open(t, f.english)).Model("whisper-1").Execute()
	if err != nil {
		t.Fatal(err)
	}
	if result.CreateTranscriptionResponseJson == nil {
		t.Fatalf("expected the json shape, got %+v", result.GetActualInstance())
	}
	requireAllWords(t, result.CreateTranscriptionResponseJson.GetText(), f.englishWords)
}

func TestTranscribeVerboseJSONWithWords(t *testing.T) {
	f := setUp(t)
	result, _, err := f.api.AudioAPI.CreateTranscription(context.Background()).
		File(open(t, f.english)).Model("whisper-1").
		ResponseFormat(whisperd.TRANSCRIPTIONRESPONSEFORMAT_VERBOSE_JSON).
		TimestampGranularities([]whisperd.TimestampGranularity{
			whisperd.TIMESTAMPGRANULARITY_WORD, whisperd.TIMESTAMPGRANULARITY_SEGMENT,
		}).Execute()
	if err != nil {
		t.Fatal(err)
	}
	verbose := result.CreateTranscriptionResponseVerboseJson
	if verbose == nil {
		t.Fatalf("expected the verbose_json shape, got %+v", result.GetActualInstance())
	}
	if verbose.GetLanguage() != "english" || verbose.GetDuration() <= 0 {
		t.Errorf("language %q, duration %v", verbose.GetLanguage(), verbose.GetDuration())
	}
	requireAllWords(t, verbose.GetText(), f.englishWords)
	words, segments := verbose.GetWords(), verbose.GetSegments()
	if len(words) < len(f.englishWords) || len(segments) == 0 {
		t.Fatalf("%d words and %d segments", len(words), len(segments))
	}
	for _, word := range words {
		if word.GetStart() > word.GetEnd() || word.GetEnd() > verbose.GetDuration()+0.5 {
			t.Errorf("word %q from %v to %v", word.GetWord(), word.GetStart(), word.GetEnd())
		}
	}
}

func TestTranscribeSubRip(t *testing.T) {
	f := setUp(t)
	srt, err := whisperdhelpers.Text(f.api.AudioAPI.CreateTranscription(context.Background()).
		File(open(t, f.english)).Model("whisper-1").
		ResponseFormat(whisperd.TRANSCRIPTIONRESPONSEFORMAT_SRT).Execute())
	if err != nil {
		t.Fatal(err)
	}
	cue := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}$`)
	if !strings.HasPrefix(srt, "1\n") || !cue.MatchString(srt) {
		t.Errorf("not SubRip: %q", srt)
	}
	requireAllWords(t, srt, f.englishWords)
}

func TestTranscribeText(t *testing.T) {
	f := setUp(t)
	text, err := whisperdhelpers.Text(f.api.AudioAPI.CreateTranscription(context.Background()).
		File(open(t, f.english)).Model("whisper-1").
		ResponseFormat(whisperd.TRANSCRIPTIONRESPONSEFORMAT_TEXT).Execute())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(text, "\n") || strings.HasPrefix(text, "{") {
		t.Errorf("not plain text: %q", text)
	}
	requireAllWords(t, text, f.englishWords)
}

// The generated client sends chunking_strategy as one JSON field: the VadConfig branch as an
// object, the string branch JSON-quoted (`"auto"`); the server reads both. VadFilter(true) is
// the same as chunking_strategy=auto.
func TestTranscribeWithVadChunking(t *testing.T) {
	f := setUp(t)
	vad := whisperd.NewVadConfig("server_vad")
	vad.SetThreshold(0.4)
	auto := "auto"
	requests := map[string]whisperd.ApiCreateTranscriptionRequest{
		"server_vad": f.api.AudioAPI.CreateTranscription(context.Background()).
			ChunkingStrategy(whisperd.VadConfigAsCreateTranscriptionRequestChunkingStrategy(vad)),
		"auto": f.api.AudioAPI.CreateTranscription(context.Background()).
			ChunkingStrategy(whisperd.StringAsCreateTranscriptionRequestChunkingStrategy(&auto)),
		"vad_filter": f.api.AudioAPI.CreateTranscription(context.Background()).VadFilter(true),
	}
	for name, request := range requests {
		text, err := whisperdhelpers.Text(request.File(open(t, f.english)).Model("whisper-1").
			ResponseFormat(whisperd.TRANSCRIPTIONRESPONSEFORMAT_TEXT).Execute())
		if err != nil {
			envelope, _ := whisperdhelpers.APIError(err)
			t.Fatalf("%s: %v %s", name, err, envelope.GetMessage())
		}
		requireAllWords(t, text, f.englishWords)
	}
}

func TestStreamEventsArriveAndAddUp(t *testing.T) {
	f := setUp(t)
	var deltas strings.Builder
	var done *whisperd.TranscriptTextDoneEvent
	ctx := whisperdhelpers.OnEvent(context.Background(), func(event whisperd.TranscriptionStreamEvent) error {
		switch {
		case event.TranscriptTextDeltaEvent != nil:
			if done != nil {
				t.Error("a delta after the done event")
			}
			deltas.WriteString(event.TranscriptTextDeltaEvent.GetDelta())
		case event.TranscriptTextDoneEvent != nil:
			done = event.TranscriptTextDoneEvent
		}
		return nil
	})
	_, err := whisperdhelpers.Text(f.api.AudioAPI.CreateTranscription(ctx).
		File(open(t, f.english)).Model("whisper-1").Stream(true).Execute())
	if err != nil {
		t.Fatal(err)
	}
	if done == nil {
		t.Fatal("no transcript.text.done event")
	}
	if strings.TrimSpace(deltas.String()) != strings.TrimSpace(done.GetText()) {
		t.Errorf("deltas %q != text %q", deltas.String(), done.GetText())
	}
	requireAllWords(t, done.GetText(), f.englishWords)
}

func TestTranslateGermanIntoEnglish(t *testing.T) {
	f := setUp(t)
	result, _, err := f.api.AudioAPI.CreateTranslation(context.Background()).
		File(open(t, f.german)).Model("whisper-1").Execute()
	if err != nil {
		t.Fatal(err)
	}
	if result.CreateTranslationResponseJson == nil {
		t.Fatalf("expected the json shape, got %+v", result.GetActualInstance())
	}
	requireSomeWords(t, result.CreateTranslationResponseJson.GetText(), f.translationWords)
}

func TestBadRequestIsTypedError(t *testing.T) {
	f := setUp(t)
	_, response, err := f.api.AudioAPI.CreateTranscription(context.Background()).
		File(open(t, f.english)).Model("whisper-1").Language("xx").Execute()
	var failure *whisperd.GenericOpenAPIError
	if !errors.As(err, &failure) {
		t.Fatalf("expected *GenericOpenAPIError, got %T %v", err, err)
	}
	if response.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d", response.StatusCode)
	}
	envelope, ok := whisperdhelpers.APIError(err)
	if !ok {
		t.Fatalf("no ErrorResponse model in %v", err)
	}
	if envelope.GetCode() != "invalid_language_format" || envelope.GetParam() != "language" ||
		envelope.GetType() != "invalid_request_error" {
		t.Errorf("error envelope %+v", envelope)
	}
}

func TestListModelsNamesTheDefault(t *testing.T) {
	f := setUp(t)
	models, _, err := f.api.ModelsAPI.ListModels(context.Background()).Execute()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, model := range models.GetData() {
		ids[model.GetId()] = true
	}
	if !ids["base"] || !ids["whisper-1"] {
		t.Errorf("models %v", ids)
	}
}
