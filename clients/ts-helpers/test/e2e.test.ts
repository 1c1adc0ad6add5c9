/**
 * End-to-end tests of the generated TypeScript client and these helpers against a running
 * server. clients/tests/test_typescript_client.py starts the server, synthesises the speech
 * and runs them with WHISPERD_URL and the WHISPERD_TEST_* variables; without them they skip.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { describe, it } from "node:test";

import {
  AudioApi,
  Configuration,
  ErrorResponseFromJSON,
  ModelsApi,
  ResponseError,
  type TranscriptTextDoneEvent,
  instanceOfCreateTranscriptionResponseVerboseJson,
} from "whisperd-client";

import {
  WhisperdError,
  chunkingStrategy,
  streamTranscription,
  transcribeText,
  transcribeVerbose,
  translateText,
  translateVerbose,
} from "../src/index";

const url = process.env.WHISPERD_URL;
const skip = url ? false : "WHISPERD_URL is not set: run through clients/tests/test_typescript_client.py";
const configuration = new Configuration({ basePath: url });
const audio = new AudioApi(configuration);
const englishWords = (process.env.WHISPERD_TEST_ENGLISH_WORDS ?? "").split(/\s+/).filter(Boolean);
const translationWords = (process.env.WHISPERD_TEST_TRANSLATION_WORDS ?? "").split(/\s+/).filter(Boolean);

function speech(variable: string): File {
  const path = process.env[variable] ?? "";
  return new File([readFileSync(path)], basename(path));
}

function assertAllWords(text: string): void {
  assert.ok(englishWords.length > 0, "no expected words given");
  for (const word of englishWords) {
    assert.ok(text.toLowerCase().includes(word), `${JSON.stringify(word)} is not in ${JSON.stringify(text)}`);
  }
}

describe("generated TypeScript client against whisperd", { skip }, () => {
  it("transcribes into json", async () => {
    const result = await audio.createTranscription({
      file: speech("WHISPERD_TEST_ENGLISH_AUDIO"),
      model: "whisper-1",
    });
    assert.equal(instanceOfCreateTranscriptionResponseVerboseJson(result), false);
    assertAllWords(result.text);
  });

  it("transcribes into verbose_json with word timestamps", async () => {
    const result = await transcribeVerbose(audio, {
      file: speech("WHISPERD_TEST_ENGLISH_AUDIO"),
      model: "whisper-1",
      timestampGranularities: ["word", "segment"],
    });
    assert.equal(result.task, "transcribe");
    assert.equal(result.language, "english");
    assertAllWords(result.text);
    const words = result.words ?? [];
    assert.ok(words.length >= englishWords.length, `only ${words.length} words`);
    assert.ok((result.segments ?? []).length > 0, "no segments");
    for (const word of words) {
      assert.ok(word.start <= word.end, `${word.word}: ${word.start} > ${word.end}`);
      assert.ok(word.end <= result.duration + 0.5, `${word.word} ends after the audio`);
    }
  });

  it("transcribes into SubRip subtitles", async () => {
    const srt = await transcribeText(audio, {
      file: speech("WHISPERD_TEST_ENGLISH_AUDIO"),
      model: "whisper-1",
      responseFormat: "srt",
    });
    assert.match(srt, /^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n/);
    assertAllWords(srt);
  });

  it("transcribes into plain text with VAD chunking", async () => {
    const text = await transcribeText(
      audio,
      { file: speech("WHISPERD_TEST_ENGLISH_AUDIO"), model: "whisper-1", responseFormat: "text" },
      chunkingStrategy({ type: "server_vad", threshold: 0.4 }),
    );
    assert.ok(text.endsWith("\n") && !text.startsWith("{"), JSON.stringify(text));
    assertAllWords(text);
  });

  it("streams deltas that add up to the final text", async () => {
    let deltas = "";
    let done: TranscriptTextDoneEvent | undefined;
    for await (const event of streamTranscription(audio, {
      file: speech("WHISPERD_TEST_ENGLISH_AUDIO"),
      model: "whisper-1",
    })) {
      if (event.type === "transcript.text.delta") {
        assert.equal(done, undefined, "a delta after the done event");
        deltas += event.delta;
      } else {
        done = event;
      }
    }
    assert.ok(done, "no transcript.text.done event");
    assert.equal(deltas.trim(), done.text.trim());
    assertAllWords(done.text);
  });

  it("translates German speech into English", async () => {
    const result = await audio.createTranslation({
      file: speech("WHISPERD_TEST_GERMAN_AUDIO"),
      model: "whisper-1",
    });
    const found = translationWords.filter((word) => result.text.toLowerCase().includes(word));
    assert.ok(found.length >= 2, `fewer than two of ${translationWords} in ${JSON.stringify(result.text)}`);
  });

  it("translates into verbose_json with segments", async () => {
    const result = await translateVerbose(audio, {
      file: speech("WHISPERD_TEST_GERMAN_AUDIO"),
      model: "whisper-1",
    });
    assert.equal(result.task, "translate");
    assert.equal(result.language, "english");
    const segments = result.segments ?? [];
    assert.ok(segments.length > 0, "no segments");
    for (const segment of segments) {
      assert.ok(segment.start <= segment.end && segment.end <= result.duration + 0.5);
    }
  });

  it("translates into WebVTT", async () => {
    const vtt = await translateText(audio, {
      file: speech("WHISPERD_TEST_GERMAN_AUDIO"),
      model: "whisper-1",
      responseFormat: "vtt",
    });
    assert.match(vtt, /^WEBVTT\n\n\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\n/);
  });

  it("rejects a bad request with the generated ResponseError", async () => {
    const failure = await audio
      .createTranscription({ file: speech("WHISPERD_TEST_ENGLISH_AUDIO"), model: "whisper-1", language: "xx" })
      .then(
        () => assert.fail("a bad language was accepted"),
        (error: unknown) => error,
      );
    assert.ok(failure instanceof ResponseError, `got ${failure}`);
    assert.equal(failure.response.status, 400);
    const envelope = ErrorResponseFromJSON(await failure.response.json());
    assert.equal(envelope.error.code, "invalid_language_format");
    assert.equal(envelope.error.param, "language");
  });

  it("surfaces a bad request as WhisperdError through the helpers", async () => {
    await assert.rejects(
      transcribeText(audio, {
        file: speech("WHISPERD_TEST_ENGLISH_AUDIO"),
        model: "whisper-1",
        responseFormat: "text",
        temperature: 3,
      }),
      (error: unknown) =>
        error instanceof WhisperdError &&
        error.status === 400 &&
        error.param === "temperature" &&
        error.error.type === "invalid_request_error",
    );
  });

  it("lists the installed models", async () => {
    const models = await new ModelsApi(configuration).listModels();
    const ids = models.data.map((model) => model.id);
    assert.ok(ids.includes("base") && ids.includes("whisper-1"), ids.join(", "));
  });
});
