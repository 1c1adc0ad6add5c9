package whisperdhelpers

import (
	"errors"
	"fmt"
	"net/http"

	whisperd "whisperd.local/clients/go"
)

// Text returns the body of a text, srt or vtt answer. Pass it a generated Execute call
// directly: whisperdhelpers.Text(api.AudioAPI.CreateTranscription(ctx)....Execute()).
// A failed request returns its error unchanged (see APIError).
func Text[T any](_ T, response *http.Response, err error) (string, error) {
	if response != nil && response.StatusCode == http.StatusOK {
		var undecoded *whisperd.GenericOpenAPIError
		if errors.As(err, &undecoded) {
			// A 200 body that is not JSON: exactly the text the server sent.
			return string(undecoded.Body()), nil
		}
		if err == nil {
			return "", fmt.Errorf("the answer is %s, not text: ask for response_format text, srt or vtt",
				response.Header.Get("Content-Type"))
		}
	}
	return "", err
}

// APIError returns the OpenAI error envelope of a failed generated call and its status, or
// false when err is not an error answer of the server (a network error, for example).
func APIError(err error) (whisperd.Error, bool) {
	var failure *whisperd.GenericOpenAPIError
	if !errors.As(err, &failure) {
		return whisperd.Error{}, false
	}
	envelope, ok := failure.Model().(whisperd.ErrorResponse)
	if !ok {
		return whisperd.Error{}, false
	}
	return envelope.Error, true
}
