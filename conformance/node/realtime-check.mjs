// The official openai Node SDK's Realtime client against whisperd (conformance check 5).
// Usage: node realtime-check.mjs BASE_URL PCM16_24K_FILE
// The SDK only speaks wss://, so BASE_URL is https://...; the test's certificate is trusted
// through NODE_EXTRA_CA_CERTS. Opens a transcription session with manual commits, sends the
// audio, commits, and prints every server event it received as one JSON array.
import fs from "node:fs";
import OpenAI from "openai";
import { OpenAIRealtimeWS } from "openai/realtime/ws";

const [baseURL, pcmPath] = process.argv.slice(2);
const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: "unused" });
const rt = new OpenAIRealtimeWS({ intent: "transcription" }, client);
const events = [];
const finished = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("no completed transcript within 120 s")), 120_000);
  rt.on("event", (event) => {
    events.push(event);
    if (event.type === "session.created") {
      rt.send({ type: "session.update", session: { type: "transcription",
        audio: { input: { turn_detection: null, transcription: { model: "whisper-1", language: "en" } } } } });
    } else if (event.type === "session.updated") {
      const audio = fs.readFileSync(pcmPath);
      const chunk = 24000 * 2 / 5; // 200 ms
      for (let offset = 0; offset < audio.length; offset += chunk) {
        rt.send({ type: "input_audio_buffer.append", audio: audio.subarray(offset, offset + chunk).toString("base64") });
      }
      rt.send({ type: "input_audio_buffer.commit" });
    } else if (event.type === "conversation.item.input_audio_transcription.completed") {
      clearTimeout(timer);
      resolve();
    }
  });
  rt.on("error", (error) => { clearTimeout(timer); reject(error); });
});
try {
  await finished;
  console.log(JSON.stringify({ url: String(rt.url), events }));
} finally {
  rt.close();
}
