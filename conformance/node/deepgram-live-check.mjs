// The official @deepgram/sdk's live client (listen.v1.connect) against whisperd (check 6).
// Usage: node deepgram-live-check.mjs BASE_URL WAV_FILE [options]
//   BASE_URL      http://127.0.0.1:PORT; the live socket is the same address as ws://
//   WAV_FILE      16-bit PCM WAV, streamed as linear16 in 100 ms chunks at real-time pace
//                 ("-" for no audio: open, CloseStream, close)
//   --key K       the SDK's apiKey (it sends "Authorization: Token K")
//   --access-token T   the SDK's accessToken instead ("Authorization: Bearer T")
//   --browser     run the SDK as in a browser: a window global and Node's WHATWG WebSocket
//                 (needs node --experimental-websocket on Node 20), so the key travels as
//                 the subprotocols "token", K, as the SDK does in browsers
//   --endpointing MS   the silence that ends a turn (default 1500)
//   --silence S   seconds of silence after the speech (default 2.5)
// The SDK is pointed at whisperd through its environment's `production` URL, the base of
// every streaming socket. Prints one JSON line per SDK event ({"event": "open" | "message"
// | "close" | "error", ...}) and a last {"summary": ...} line; exits 0 unless it crashed.
import fs from "node:fs";

const args = process.argv.slice(2);
const [baseUrl, wavPath] = args;
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1];
};
const browser = args.includes("--browser");
const silenceSeconds = Number(flag("--silence", "2.5"));
const endpointing = Number(flag("--endpointing", "1500"));
const TIMEOUT_MS = 90_000;

const offered = []; // the subprotocols the SDK's browser socket offers
if (browser) {
  // What the SDK's runtime check looks for; its socket is then the global WebSocket.
  globalThis.window = { document: {}, navigator: { userAgent: "whisperd-conformance" } };
  const Native = globalThis.WebSocket;
  if (typeof Native === "undefined") {
    throw new Error("--browser needs a global WebSocket (node --experimental-websocket)");
  }
  globalThis.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols); // a browser's WebSocket takes no headers
      offered.push(...[protocols ?? []].flat());
    }
  };
}
const { DeepgramClient } = await import("@deepgram/sdk");

const emit = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

function readWav(path) {
  const file = fs.readFileSync(path);
  if (file.toString("ascii", 0, 4) !== "RIFF" || file.toString("ascii", 8, 12) !== "WAVE") {
    throw new Error(`${path} is not a WAV file`);
  }
  let format;
  for (let at = 12; at + 8 <= file.length; ) {
    const id = file.toString("ascii", at, at + 4);
    const size = file.readUInt32LE(at + 4);
    if (id === "fmt ") {
      format = {
        channels: file.readUInt16LE(at + 10),
        sampleRate: file.readUInt32LE(at + 12),
        bits: file.readUInt16LE(at + 22),
      };
    } else if (id === "data") {
      if (!format || format.bits !== 16) throw new Error(`${path}: not 16-bit PCM`);
      return { ...format, pcm: file.subarray(at + 8, at + 8 + size) };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error(`${path} has no data chunk`);
}

const audio = wavPath === "-" ? null : readWav(wavPath);
const environment = {
  base: baseUrl,
  production: baseUrl.replace(/^http/, "ws"),
  agent: baseUrl.replace(/^http/, "ws"),
  agentRest: baseUrl,
};
const accessToken = flag("--access-token");
const client = new DeepgramClient(
  accessToken ? { accessToken, environment } : { apiKey: flag("--key", "unused"), environment },
);

const received = [];
const summary = { url: "", protocol: "", offered, failure: null };
const waiters = [];
const settle = () => {
  for (const waiter of [...waiters]) {
    if (waiter.test()) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
};
const until = (what, test, ms = TIMEOUT_MS) =>
  new Promise((resolve, reject) => {
    if (test()) return resolve();
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    waiters.push({ test, resolve: () => { clearTimeout(timer); resolve(); } });
  });
const record = (line) => {
  received.push(line);
  emit(line);
  settle();
};

const options = audio
  ? { encoding: "linear16", sample_rate: audio.sampleRate, channels: audio.channels }
  : { encoding: "linear16", sample_rate: 16000 };
const socket = await client.listen.v1.connect({
  model: "nova-3",
  language: "en",
  ...options,
  interim_results: "true",
  endpointing,
  utterance_end_ms: 1000,
  vad_events: "true",
  punctuate: "true",
  reconnectAttempts: 0, // a refused handshake is reported, not retried 30 times
  connectionTimeoutInSeconds: 30,
});
socket.on("open", () => {
  summary.url = socket.socket.url;
  summary.protocol = socket.socket.protocol;
  record({ event: "open" });
});
socket.on("message", (message) => record({ event: "message", message }));
socket.on("close", (close) => record({ event: "close", code: close.code, reason: close.reason ?? "" }));
socket.on("error", (error) => record({ event: "error", error: String(error?.message ?? error) }));

const saw = (event) => () => received.some((line) => line.event === event);
try {
  socket.connect();
  await until("open or error", () => saw("open")() || saw("error")() || saw("close")(), 30_000);
  if (!saw("open")()) throw new Error("the socket did not open");
  if (audio) {
    const bytesPerSecond = audio.sampleRate * audio.channels * 2;
    const chunk = bytesPerSecond / 10; // 100 ms
    const pcm = Buffer.concat([audio.pcm, Buffer.alloc(Math.round(silenceSeconds * bytesPerSecond) & ~1)]);
    const started = performance.now();
    for (let offset = 0; offset < pcm.length; offset += chunk) {
      socket.sendMedia(pcm.subarray(offset, offset + chunk));
      await sleep(started + ((offset + chunk) / bytesPerSecond) * 1000 - performance.now());
    }
    socket.sendFinalize({ type: "Finalize" });
    await until("a from_finalize result", () =>
      received.some((line) => line.message?.type === "Results" && line.message.from_finalize));
  }
  socket.sendCloseStream({ type: "CloseStream" });
  await until("the server's close", saw("close"));
} catch (error) {
  summary.failure = String(error?.message ?? error);
} finally {
  emit({ summary });
  if (!saw("close")()) socket.close();
  process.exit(0);
}
