/**
 * Hand-written helpers beside the generated `whisperd-client` (never edited by hand).
 *
 * typescript-fetch parses every 200 answer as JSON and cannot express what the spec
 * declares beyond that, so these add, on top of the generated request builders:
 * - `transcribeText` / `translateText`: the text/plain answers of `text`, `srt`, `vtt`;
 * - `transcribeVerbose` / `translateVerbose`: `verbose_json` answers whole (the generated
 *   union parser tests the shapes in alphabetical order by required fields only, so it
 *   takes a verbose body for the `json` shape and drops its segments and words);
 * - `streamTranscription` / `streamTranslation`: the server-sent events of `stream: true`;
 * - `chunkingStrategy`: sends `chunking_strategy` as a plain form field (the generator
 *   sends objects in multipart as a JSON file part, which the server does not accept);
 * - `WhisperdError`: the generated `ResponseError` with OpenAI's error envelope parsed.
 */
import {
  AudioApi,
  type ApiResponse,
  type CreateTranscriptionRequest,
  type CreateTranscriptionResponseVerboseJson,
  CreateTranscriptionResponseVerboseJsonFromJSON,
  type CreateTranslationRequest,
  type CreateTranslationResponseVerboseJson,
  CreateTranslationResponseVerboseJsonFromJSON,
  type ErrorDetail,
  ErrorResponseFromJSON,
  type InitOverrideFunction,
  ResponseError,
  type TranscriptTextDeltaEvent,
  TranscriptTextDeltaEventFromJSON,
  type TranscriptTextDoneEvent,
  TranscriptTextDoneEventFromJSON,
  type VadConfig,
  VadConfigToJSON,
} from "whisperd-client";

/** A non-2xx answer, or an error event after a stream started, with its envelope typed. */
export class WhisperdError extends Error {
  constructor(
    readonly status: number,
    readonly error: ErrorDetail,
  ) {
    super(`${status} ${error.type}: ${error.message}`);
    this.name = "WhisperdError";
  }

  get code(): string | null | undefined {
    return this.error.code;
  }

  get param(): string | null | undefined {
    return this.error.param;
  }

  /** The generated client's `ResponseError` as a `WhisperdError`; other errors unchanged. */
  static async from(failure: unknown): Promise<unknown> {
    if (!(failure instanceof ResponseError)) {
      return failure;
    }
    const response = failure.response;
    const body = await response.text();
    try {
      return new WhisperdError(response.status, ErrorResponseFromJSON(JSON.parse(body)).error);
    } catch {
      return new WhisperdError(response.status, {
        message: body || response.statusText,
        type: "server_error",
        param: null,
        code: null,
      });
    }
  }
}

async function rethrowTyped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (failure) {
    throw await WhisperdError.from(failure);
  }
}

/** The transcript as text, SubRip or WebVTT (`request.responseFormat` says which). */
export async function transcribeText(
  api: AudioApi,
  request: CreateTranscriptionRequest,
  init?: RequestInit | InitOverrideFunction,
): Promise<string> {
  const answer = await rethrowTyped(() => api.createTranscriptionRaw(request, init));
  return answer.raw.text();
}

/** The English translation as text, SubRip or WebVTT. */
export async function translateText(
  api: AudioApi,
  request: CreateTranslationRequest,
  init?: RequestInit | InitOverrideFunction,
): Promise<string> {
  const answer = await rethrowTyped(() => api.createTranslationRaw(request, init));
  return answer.raw.text();
}

/** The transcript with language, duration, segments and (when asked for) words. */
export async function transcribeVerbose(
  api: AudioApi,
  request: Omit<CreateTranscriptionRequest, "responseFormat">,
  init?: RequestInit | InitOverrideFunction,
): Promise<CreateTranscriptionResponseVerboseJson> {
  const verbose = { ...request, responseFormat: "verbose_json" as const };
  const answer = await rethrowTyped(() => api.createTranscriptionRaw(verbose, init));
  return CreateTranscriptionResponseVerboseJsonFromJSON(await answer.raw.json());
}

/** The English translation with its segments. */
export async function translateVerbose(
  api: AudioApi,
  request: Omit<CreateTranslationRequest, "responseFormat">,
  init?: RequestInit | InitOverrideFunction,
): Promise<CreateTranslationResponseVerboseJson> {
  const verbose = { ...request, responseFormat: "verbose_json" as const };
  const answer = await rethrowTyped(() => api.createTranslationRaw(verbose, init));
  return CreateTranslationResponseVerboseJsonFromJSON(await answer.raw.json());
}

export type StreamEvent = TranscriptTextDeltaEvent | TranscriptTextDoneEvent;

/** Parses one `data:` payload; an `{"error": ...}` event throws `WhisperdError`. */
export function parseEvent(data: string): StreamEvent {
  const payload = JSON.parse(data);
  if (payload.error) {
    throw new WhisperdError(200, ErrorResponseFromJSON(payload).error);
  }
  return payload.type === "transcript.text.done"
    ? TranscriptTextDoneEventFromJSON(payload)
    : TranscriptTextDeltaEventFromJSON(payload);
}

/** The events of a `text/event-stream` answer as they arrive, up to `data: [DONE]`. */
export async function* readEvents(answer: ApiResponse<unknown>): AsyncGenerator<StreamEvent> {
  const body = answer.raw.body;
  if (body === null) {
    return;
  }
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      pending += decoder.decode(chunk.value, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline).replace(/\r$/, "");
        pending = pending.slice(newline + 1);
        if (!line.startsWith("data:")) {
          continue; // blank separators, comments, `event:` lines
        }
        const data = line.slice("data:".length).trim();
        if (data === "[DONE]") {
          return;
        }
        yield parseEvent(data);
      }
    }
  } finally {
    await reader.cancel(); // a consumer that stops early closes the connection
  }
}

/** The transcript's events as they are decoded (`stream` is forced on). */
export async function* streamTranscription(
  api: AudioApi,
  request: CreateTranscriptionRequest,
  init?: RequestInit | InitOverrideFunction,
): AsyncGenerator<StreamEvent> {
  const stream = { ...request, stream: true };
  yield* readEvents(await rethrowTyped(() => api.createTranscriptionRaw(stream, init)));
}

/** The English translation's events as they are decoded (`stream` is forced on). */
export async function* streamTranslation(
  api: AudioApi,
  request: CreateTranslationRequest,
  init?: RequestInit | InitOverrideFunction,
): AsyncGenerator<StreamEvent> {
  const stream = { ...request, stream: true };
  yield* readEvents(await rethrowTyped(() => api.createTranslationRaw(stream, init)));
}

/**
 * Sends `chunking_strategy` as the server and OpenAI's SDKs expect it: the string `auto`, or
 * the `server_vad` object as one JSON text field. Pass it as the call's `initOverrides`
 * instead of setting `chunkingStrategy` on the request.
 */
export function chunkingStrategy(strategy: "auto" | VadConfig): InitOverrideFunction {
  const value = strategy === "auto" ? "auto" : JSON.stringify(VadConfigToJSON(strategy));
  return async ({ init }) => {
    if (!(init.body instanceof FormData)) {
      throw new TypeError("chunkingStrategy() applies to multipart requests only");
    }
    init.body.set("chunking_strategy", value);
    return init;
  };
}
