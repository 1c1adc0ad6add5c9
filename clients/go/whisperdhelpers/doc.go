// Package whisperdhelpers adds to the generated whisperd client (package whisperd, generated
// from spec/openapi.yaml; never edited by hand) what its generator cannot express:
//
//   - Text reads the text/plain answers of response_format text, srt and vtt (the generated
//     client decodes only JSON and reports any other 200 body as an error);
//   - EventStreamTransport and OnEvent deliver the server-sent events of stream=true, one by
//     one as they arrive, while the generated request runs;
//   - APIError gives the typed OpenAI error envelope of a failed call.
//
// Requests are still built with the generated, typed request builders.
package whisperdhelpers
