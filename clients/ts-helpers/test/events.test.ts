/**
 * The stream parser on answers the live server rarely gives (events split across chunks,
 * comments, mid-stream errors), built in memory, so each case is exact and needs no server.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { type StreamEvent, WhisperdError, parseEvent, readEvents } from "../src/index";

function answer(...chunks: string[]) {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) {
        controller.enqueue(encoder.encode(chunk));
      }
      controller.close();
    },
  });
  const raw = new Response(body, { headers: { "content-type": "text/event-stream" } });
  return { raw, value: async () => undefined };
}

async function collect(events: AsyncGenerator<StreamEvent>): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const event of events) {
    all.push(event);
  }
  return all;
}

describe("readEvents", () => {
  it("reassembles events split across chunks and skips other lines", async () => {
    const events = await collect(
      readEvents(
        answer(
          ': comment\r\nevent: transcript.text.delta\r\ndata: {"type":"transcript.text.delta","del',
          'ta":"Hel"}\r\n\r\ndata: {"type":"transcript.text.delta","delta":"lo"}\n\n',
          'data: {"type":"transcript.text.done","text":"Hello"}\n\ndata: [DONE]\n\n',
        ),
      ),
    );
    assert.deepEqual(
      events.map((event) => (event.type === "transcript.text.delta" ? event.delta : event.text)),
      ["Hel", "lo", "Hello"],
    );
  });

  it("stops at the [DONE] marker", async () => {
    const events = await collect(
      readEvents(answer('data: [DONE]\n\ndata: {"type":"transcript.text.delta","delta":"late"}\n\n')),
    );
    assert.equal(events.length, 0);
  });

  it("throws WhisperdError on an error event", async () => {
    const events = readEvents(
      answer(
        'data: {"type":"transcript.text.delta","delta":"Hi"}\n\n',
        'data: {"error":{"message":"inference failed","type":"server_error","param":null,"code":null}}\n\n',
      ),
    );
    assert.equal((await events.next()).done, false);
    await assert.rejects(
      events.next(),
      (error: unknown) =>
        error instanceof WhisperdError && error.status === 200 && error.error.message === "inference failed",
    );
  });
});

describe("parseEvent", () => {
  it("maps snake_case fields of the done event onto the generated model", () => {
    const event = parseEvent(
      '{"type":"transcript.text.done","text":"Hi","usage":{"type":"tokens","input_tokens":50,' +
        '"output_tokens":2,"total_tokens":52,"input_token_details":{"audio_tokens":50,"text_tokens":0}}}',
    );
    assert.equal(event.type, "transcript.text.done");
    assert.equal(event.type === "transcript.text.done" && event.usage?.inputTokenDetails?.audioTokens, 50);
  });
});
