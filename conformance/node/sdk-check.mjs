// The official openai Node SDK as a client of whisperd (conformance check 4).
// Usage: node sdk-check.mjs BASE_URL ENGLISH_AUDIO GERMAN_AUDIO
// Runs every endpoint/format/stream combination through the SDK, checks what the SDK
// returns has the documented shape, and prints one JSON array: {name, ok, detail|error}.
import fs from "node:fs";
import OpenAI, { BadRequestError, NotFoundError } from "openai";

const [baseURL, englishPath, germanPath] = process.argv.slice(2);
const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: "unused", maxRetries: 0, timeout: 300_000 });

function expect(condition, message) {
  if (!condition) throw new Error(`expectation failed: ${message}`);
}

const english = () => fs.createReadStream(englishPath);
const german = () => fs.createReadStream(germanPath);
const transcribe = (params) => client.audio.transcriptions.create({ file: english(), model: "whisper-1", ...params });
const translate = (params) => client.audio.translations.create({ file: german(), model: "whisper-1", ...params });

function checkSegments(segments) {
  expect(Array.isArray(segments) && segments.length > 0, "segments");
  for (const key of ["id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob", "compression_ratio", "no_speech_prob"]) {
    expect(key in segments[0], `segment.${key}`);
  }
}

function checkWords(words) {
  expect(Array.isArray(words) && words.length > 0, "words");
  expect(typeof words[0].word === "string" && typeof words[0].start === "number", "word shape");
}

async function collect(stream) {
  const events = [];
  for await (const event of stream) events.push(event);
  const done = events.at(-1);
  expect(done?.type === "transcript.text.done", "ends with transcript.text.done");
  const deltas = events.slice(0, -1);
  expect(deltas.length > 0 && deltas.every((e) => e.type === "transcript.text.delta"), "deltas first");
  expect(deltas.map((e) => e.delta).join("") === done.text, "deltas add up to the text");
  return { events, done };
}

const cases = {
  "transcription json": async () => {
    const r = await transcribe({});
    expect(typeof r.text === "string" && r.text.length > 0, "text");
    expect(r.usage?.type === "duration" && typeof r.usage.seconds === "number", "usage");
    return r.text;
  },
  "transcription json logprobs": async () => {
    const r = await transcribe({ include: ["logprobs"] });
    expect(Array.isArray(r.logprobs) && r.logprobs.length > 0, "logprobs");
    expect(typeof r.logprobs[0].token === "string" && typeof r.logprobs[0].logprob === "number", "logprob shape");
    return `${r.logprobs.length} tokens`;
  },
  "transcription verbose_json": async () => {
    const r = await transcribe({ response_format: "verbose_json" });
    expect(r.language === "english" && typeof r.duration === "number", "language, duration");
    checkSegments(r.segments);
    expect(r.words === undefined, "no words unless asked");
    return r.text;
  },
  "transcription verbose_json words": async () => {
    const r = await transcribe({ response_format: "verbose_json", timestamp_granularities: ["word"] });
    checkWords(r.words);
    return `${r.words.length} words`;
  },
  "transcription verbose_json words+segments": async () => {
    const r = await transcribe({ response_format: "verbose_json", timestamp_granularities: ["word", "segment"] });
    checkWords(r.words);
    checkSegments(r.segments);
    return `${r.words.length} words`;
  },
  "transcription text": async () => {
    const r = await transcribe({ response_format: "text" });
    expect(typeof r === "string" && r.endsWith("\n"), "a string ending in a newline");
    return r.trim();
  },
  "transcription srt": async () => {
    const r = await transcribe({ response_format: "srt" });
    expect(typeof r === "string" && /^1\n\d\d:\d\d:\d\d,\d\d\d --> /.test(r), "SubRip");
    return r.split("\n")[1];
  },
  "transcription vtt": async () => {
    const r = await transcribe({ response_format: "vtt" });
    expect(typeof r === "string" && r.startsWith("WEBVTT\n\n"), "WebVTT");
    return r.split("\n")[2];
  },
  "transcription options": async () => {
    const r = await transcribe({
      language: "en",
      prompt: "A short test.",
      temperature: 0.2,
      chunking_strategy: { type: "server_vad", threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 200 },
    });
    expect(typeof r.text === "string", "text");
    return r.text;
  },
  "transcription stream loop": async () => {
    const stream = await transcribe({ stream: true });
    const { events, done } = await collect(stream);
    expect(done.usage?.type === "tokens", "usage in tokens");
    return `${events.length - 1} deltas: ${done.text}`;
  },
  "transcription stream logprobs": async () => {
    const stream = await transcribe({ stream: true, include: ["logprobs"] });
    const { events, done } = await collect(stream);
    expect(events.slice(0, -1).every((e) => Array.isArray(e.logprobs)), "logprobs on every delta");
    expect(Array.isArray(done.logprobs), "logprobs on done");
    return `${done.logprobs.length} tokens`;
  },
  "translation json": async () => {
    const r = await translate({});
    expect(typeof r.text === "string" && r.text.length > 0, "text");
    return r.text;
  },
  "translation verbose_json": async () => {
    const r = await translate({ response_format: "verbose_json" });
    expect(r.language === "english" && typeof r.duration === "number", "language, duration");
    checkSegments(r.segments);
    return r.text;
  },
  "translation text": async () => {
    const r = await translate({ response_format: "text" });
    expect(typeof r === "string" && r.trim().length > 0, "a string");
    return r.trim();
  },
  "translation srt": async () => {
    const r = await translate({ response_format: "srt" });
    expect(typeof r === "string" && r.startsWith("1\n"), "SubRip");
    return r.split("\n")[1];
  },
  "translation vtt": async () => {
    const r = await translate({ response_format: "vtt" });
    expect(typeof r === "string" && r.startsWith("WEBVTT"), "WebVTT");
    return r.split("\n")[2];
  },
  "models list and retrieve": async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids.includes("whisper-1") && ids.includes("base"), `ids ${ids}`);
    const model = await client.models.retrieve("whisper-1");
    expect(model.object === "model" && model.id === "whisper-1", "retrieve");
    return ids.join(",");
  },
  "error 400 is BadRequestError": async () => {
    try {
      await transcribe({ language: "this should cause an error" });
    } catch (error) {
      expect(error instanceof BadRequestError && error.status === 400, `got ${error}`);
      expect(error.code === "invalid_language_format" && error.param === "language", "code and param");
      return error.message;
    }
    throw new Error("no error raised");
  },
  "error 404 is NotFoundError": async () => {
    try {
      await transcribe({ model: "no-such-model" });
    } catch (error) {
      expect(error instanceof NotFoundError && error.code === "model_not_found", `got ${error}`);
      return error.message;
    }
    throw new Error("no error raised");
  },
};

const results = [];
for (const [name, run] of Object.entries(cases)) {
  try {
    results.push({ name, ok: true, detail: String(await run()).slice(0, 200) });
  } catch (error) {
    results.push({ name, ok: false, error: String(error?.stack ?? error).slice(0, 1500) });
  }
}
console.log(JSON.stringify(results));
