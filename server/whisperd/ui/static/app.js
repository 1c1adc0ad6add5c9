// whisperd's web page: file transcription over the HTTP API (live text from the event
// stream, then word timings from a verbose_json pass) and live microphone transcription
// over the Realtime WebSocket. Plain JavaScript, no dependencies, nothing fetched elsewhere.
"use strict";

const KEY_STORAGE = "whisperd.apiKey";
const REALTIME_RATE = 24000;
const SEND_EVERY_SAMPLES = 2400; // 100 ms of 24 kHz audio per append
const LANGUAGES = (
  "en:English de:German es:Spanish fr:French it:Italian pt:Portuguese nl:Dutch pl:Polish " +
  "ru:Russian uk:Ukrainian cs:Czech sk:Slovak sl:Slovenian hr:Croatian sr:Serbian bg:Bulgarian " +
  "ro:Romanian hu:Hungarian el:Greek tr:Turkish sv:Swedish no:Norwegian da:Danish fi:Finnish " +
  "et:Estonian lv:Latvian lt:Lithuanian is:Icelandic ga:Irish cy:Welsh ca:Catalan eu:Basque " +
  "gl:Galician ar:Arabic he:Hebrew fa:Persian ur:Urdu hi:Hindi bn:Bengali ta:Tamil te:Telugu " +
  "mr:Marathi gu:Gujarati kn:Kannada ml:Malayalam pa:Punjabi ne:Nepali si:Sinhala th:Thai " +
  "vi:Vietnamese id:Indonesian ms:Malay tl:Tagalog zh:Chinese ja:Japanese ko:Korean " +
  "sw:Swahili af:Afrikaans am:Amharic az:Azerbaijani be:Belarusian bs:Bosnian hy:Armenian " +
  "ka:Georgian kk:Kazakh mk:Macedonian mn:Mongolian sq:Albanian uz:Uzbek yo:Yoruba so:Somali " +
  "la:Latin mt:Maltese lb:Luxembourgish"
).split(" ").map((pair) => pair.split(":"));

const $ = (id) => document.getElementById(id);
const state = {
  key: sessionStorage.getItem(KEY_STORAGE) || "",
  models: [],
  file: null,
  mediaUrl: "",
  xhr: null,
  doc: null, // {source, name, text, segments: [{start, end, text, words}], json}
  words: [], // flat, in time order: {start, end, el, seg}
  segEls: [],
  mic: null,
};

// ---------- helpers ----------

function authHeaders() {
  return state.key ? { Authorization: "Bearer " + state.key } : {};
}

function show(el, visible) {
  el.hidden = !visible;
}

function setError(el, message) {
  el.textContent = message || "";
  show(el, Boolean(message));
}

function parseBody(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// An API error in plain words: what happened, then the server's own message.
function plainError(status, body) {
  const message = (body && body.error && body.error.message) || "";
  const leads = {
    0: "Could not reach the server. Is it still running?",
    400: "The server could not use this request",
    401: "The server refused the API key",
    404: "Not found",
    408: "The upload stalled and the server gave up",
    413: "The file is larger than this server accepts",
    415: "The server could not read this upload",
    429: "The server is busy; try again in a moment",
    500: "Something went wrong inside the server",
    503: "The server is not ready yet",
  };
  const lead = leads[status] || `The server answered ${status}`;
  return message ? `${lead}: ${message}` : lead + (lead.endsWith(".") ? "" : ".");
}

function clock(seconds, separator) {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (n, width) => String(n).padStart(width, "0");
  const h = Math.floor(ms / 3600000);
  const m = Math.floor(ms / 60000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${separator}${pad(ms % 1000, 3)}`;
}

function shortClock(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  const m = Math.floor(whole / 60);
  const s = String(whole % 60).padStart(2, "0");
  return `${m}:${s}.${Math.floor((seconds - whole) * 10)}`;
}

function humanSize(bytes) {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// ---------- key and models ----------

function askKey(message) {
  show($("app"), false);
  show($("key-panel"), true);
  setError($("key-error"), message);
  $("server-status").textContent = "This server needs an API key.";
  $("key-input").focus();
}

async function loadModels() {
  let response;
  try {
    response = await fetch("/v1/models", { headers: authHeaders() });
  } catch {
    $("server-status").textContent = plainError(0, null);
    return false;
  }
  const body = parseBody(await response.text());
  if (response.status === 401) {
    const hadKey = Boolean(state.key);
    state.key = "";
    sessionStorage.removeItem(KEY_STORAGE);
    askKey(hadKey ? plainError(401, body) : "");
    return false;
  }
  if (!response.ok || !body || !Array.isArray(body.data)) {
    $("server-status").textContent = plainError(response.status, body);
    return false;
  }
  state.models = body.data;
  fillModels();
  show($("key-panel"), false);
  show($("app"), true);
  show($("forget-key"), Boolean(state.key));
  const standard = state.models.find((model) => model.default) || state.models[0];
  $("server-status").textContent =
    `Connected. Default model: ${standard ? standard.id : "none"}.` +
    (state.key ? " API key kept for this tab only." : "");
  return true;
}

function fillModels() {
  const select = $("model");
  const previous = select.value;
  select.replaceChildren();
  const ordered = [...state.models].sort(
    (a, b) => (b.default === true) - (a.default === true) || Boolean(a.alias_of) - Boolean(b.alias_of),
  );
  for (const model of ordered) {
    const option = document.createElement("option");
    option.value = model.id;
    let label = model.id;
    if (model.alias_of) label += ` (= ${model.alias_of})`;
    else if (model.default) label += " (default)";
    if (model.loaded === false) label += ", loads on first use";
    option.textContent = label;
    select.append(option);
  }
  if ([...select.options].some((option) => option.value === previous)) select.value = previous;
  fillLanguages();
}

function selectedModel() {
  return state.models.find((model) => model.id === $("model").value) || null;
}

function fillLanguages() {
  const select = $("language");
  const previous = select.value || "auto";
  const model = selectedModel();
  const multilingual = !model || model.multilingual !== false;
  select.replaceChildren(new Option("Detect automatically", "auto"));
  for (const [code, name] of LANGUAGES) {
    if (multilingual || code === "en") select.append(new Option(`${name} (${code})`, code));
  }
  select.value = [...select.options].some((o) => o.value === previous) ? previous : "auto";
  const translate = $("task").querySelector('option[value="translate"]');
  translate.disabled = !multilingual;
  if (!multilingual) $("task").value = "transcribe";
}

// ---------- tabs ----------

function selectTab(tab) {
  for (const other of document.querySelectorAll('[role="tab"]')) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    show($(other.getAttribute("aria-controls")), selected);
  }
}

function tabKeys(event) {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const index = tabs.indexOf(event.target);
  let next = null;
  if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
  if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
  if (event.key === "Home") next = tabs[0];
  if (event.key === "End") next = tabs[tabs.length - 1];
  if (next) {
    event.preventDefault();
    selectTab(next);
    next.focus();
  }
}

// ---------- file mode ----------

function chooseFile(file) {
  if (!file) return;
  state.file = file;
  if (state.mediaUrl) URL.revokeObjectURL(state.mediaUrl);
  state.mediaUrl = URL.createObjectURL(file);
  const isVideo = file.type.startsWith("video/");
  const media = document.createElement(isVideo ? "video" : "audio");
  media.id = "media";
  media.controls = true;
  media.preload = "metadata";
  media.src = state.mediaUrl;
  media.setAttribute("aria-label", `Playback of ${file.name}`);
  for (const name of ["play", "seeked", "timeupdate", "pause"]) {
    media.addEventListener(name, () => followPlayback(media));
  }
  $("player-box").replaceChildren(media);
  show($("player-box"), true);
  $("file-name").textContent = `${file.name} (${humanSize(file.size)})`;
  show($("file-name"), true);
  $("transcribe").disabled = false;
  setError($("file-error"), "");
}

function request(path, form, { onUpload, onText }) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    state.xhr = xhr;
    xhr.open("POST", path);
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onUpload(event.loaded / event.total);
    };
    xhr.upload.onload = () => onUpload(1);
    xhr.onprogress = () => onText && onText(xhr.responseText);
    xhr.onload = () => {
      if (onText) onText(xhr.responseText);
      resolve({ status: xhr.status, text: xhr.responseText });
    };
    xhr.onerror = () => resolve({ status: 0, text: "" });
    xhr.onabort = () => resolve({ status: -1, text: "" });
    xhr.send(form);
  });
}

function audioForm(extra) {
  const form = new FormData();
  form.append("file", state.file, state.file.name);
  form.append("model", $("model").value);
  const prompt = $("prompt").value.trim();
  if (prompt) form.append("prompt", prompt);
  if ($("task").value === "transcribe" && $("language").value !== "auto") {
    form.append("language", $("language").value);
  }
  for (const [name, value] of extra) form.append(name, value);
  return form;
}

function progress(fraction, text) {
  show($("progress-box"), true);
  if (fraction === null) $("progress").removeAttribute("value");
  else $("progress").value = fraction;
  $("progress-text").textContent = text;
}

// Reads the server-sent events received so far (frames end with a blank line, in any of
// the line endings SSE allows); returns how much of the text was used.
function readEvents(text, from, onEvent) {
  const frameEnd = /\r\n\r\n|\n\n|\r\r/g;
  frameEnd.lastIndex = from;
  let used = from;
  for (let match = frameEnd.exec(text); match; match = frameEnd.exec(text)) {
    for (const line of text.slice(used, match.index).split(/\r\n|\n|\r/)) {
      if (line.startsWith("data:")) onEvent(line.slice(5).trim());
    }
    used = frameEnd.lastIndex;
  }
  return used;
}

async function transcribeFile() {
  if (!state.file) return;
  const endpoint = $("task").value === "translate" ? "translations" : "transcriptions";
  const path = `/v1/audio/${endpoint}`;
  setError($("file-error"), "");
  $("transcribe").disabled = true;
  show($("cancel"), true);
  startDoc("file", state.file.name.replace(/\.[^.]+$/, "") || "transcript");
  const started = performance.now();
  let text = "";
  let words = 0;
  let streamError = null;
  let consumed = 0;
  const elapsed = () => Math.round((performance.now() - started) / 1000);
  const ticker = setInterval(() => {
    if (state.xhr && state.xhr.readyState >= 2) {
      progress(null, `Transcribing: ${elapsed()} s so far, ${words} words.`);
    }
  }, 1000);
  const live = $("live-text");
  const streamed = await request(path, audioForm([["stream", "true"]]), {
    onUpload: (fraction) =>
      progress(fraction, fraction < 1 ? `Uploading: ${Math.round(fraction * 100)}%` : "Uploaded; decoding…"),
    onText: (body) => {
      consumed = readEvents(body, consumed, (data) => {
        if (data === "[DONE]") return;
        const event = parseBody(data);
        if (!event) return;
        if (event.error) streamError = event;
        else if (event.type === "transcript.text.delta") text += event.delta;
        else if (event.type === "transcript.text.done") text = event.text;
      });
      live.textContent = text;
      words = text.split(/\s+/).filter(Boolean).length;
    },
  });
  clearInterval(ticker);
  const failed = failure(streamed, streamError);
  if (failed) return finishFile(failed);
  state.doc.text = text;
  state.doc.json = { text };
  showResult();
  if ($("timings").checked) {
    const extra = [["response_format", "verbose_json"]];
    if (endpoint === "transcriptions") {
      extra.push(["timestamp_granularities[]", "word"], ["timestamp_granularities[]", "segment"]);
    }
    progress(0, "Timing words (second pass)…");
    const timed = await request(path, audioForm(extra), {
      onUpload: (fraction) =>
        progress(
          fraction < 1 ? fraction : null,
          fraction < 1
            ? `Timing words: uploading ${Math.round(fraction * 100)}%`
            : "Timing words (second pass): the text above is final.",
        ),
    });
    const timedFailure = failure(timed, null);
    if (timedFailure) return finishFile(timedFailure);
    const body = parseBody(timed.text);
    state.doc.json = body;
    state.doc.text = body.text;
    state.doc.segments = timedSegments(body);
    live.textContent = "";
    renderSegments();
  }
  finishFile(null, `Done in ${elapsed()} s.`);
}

function failure(answer, streamError) {
  if (answer.status === -1) return "Cancelled.";
  if (answer.status === 401) {
    askKey(plainError(401, parseBody(answer.text)));
    return "The API key was refused.";
  }
  if (answer.status < 200 || answer.status >= 300) return plainError(answer.status, parseBody(answer.text));
  if (streamError) return plainError(streamError.error.code === "server_error" ? 500 : 400, streamError);
  return null;
}

function finishFile(error, message) {
  state.xhr = null;
  $("transcribe").disabled = false;
  show($("cancel"), false);
  setError($("file-error"), error);
  if (error) show($("progress-box"), false);
  else progress(1, message);
  updateDownloads();
}

// Segments with their words (OpenAI puts words beside segments, not inside them).
function timedSegments(body) {
  const segments = (body.segments || []).map((segment) => ({
    start: segment.start,
    end: segment.end,
    text: segment.text.trim(),
    words: [],
  }));
  let index = 0;
  for (const word of body.words || []) {
    while (index + 1 < segments.length && word.start >= segments[index + 1].start) index += 1;
    if (segments[index]) segments[index].words.push({ start: word.start, end: word.end, word: word.word });
  }
  return segments;
}

// ---------- the transcript view ----------

function startDoc(source, name) {
  state.doc = { source, name, text: "", segments: [], json: null };
  state.words = [];
  state.segEls = [];
  $("live-text").textContent = "";
  $("segments").replaceChildren();
  $("copy-status").textContent = "";
  showResult();
}

function showResult() {
  show($("result"), true);
  updateDownloads();
}

function renderSegments() {
  const list = $("segments");
  list.replaceChildren();
  state.words = [];
  state.segEls = [];
  for (const segment of state.doc.segments) {
    const item = document.createElement("li");
    const stamp = document.createElement("button");
    stamp.type = "button";
    stamp.className = "stamp";
    stamp.textContent = shortClock(segment.start);
    stamp.setAttribute("aria-label", `Play from ${shortClock(segment.start)}`);
    stamp.addEventListener("click", () => seek(segment.start));
    const text = document.createElement("span");
    if (segment.words.length) {
      for (const [index, word] of segment.words.entries()) {
        // OpenAI's words carry no spaces; a space between them keeps the text readable.
        if (index > 0 && !/^\s/.test(word.word)) text.append(" ");
        const span = document.createElement("span");
        span.className = "w";
        span.textContent = word.word.trim();
        span.dataset.start = word.start;
        span.dataset.end = word.end;
        span.addEventListener("click", () => seek(word.start));
        text.append(span);
        state.words.push({ start: word.start, end: word.end, el: span });
      }
    } else {
      text.textContent = segment.text;
    }
    item.append(stamp, text);
    list.append(item);
    state.segEls.push({ start: segment.start, end: segment.end, el: item });
  }
}

function seek(seconds) {
  const media = $("media");
  if (!media) return;
  media.currentTime = seconds;
  followPlayback(media);
}

// The last entry starting at or before t, if t is inside it.
function covering(entries, t) {
  let low = 0;
  let high = entries.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (entries[mid].start <= t) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found >= 0 && t < entries[found].end ? entries[found] : null;
}

let activeWord = null;
let activeSeg = null;
let following = 0;

function followPlayback(media) {
  // A seek to a word's start may read back a hair earlier.
  const t = media.currentTime + 0.001;
  const word = covering(state.words, t);
  if (word !== activeWord) {
    if (activeWord) activeWord.el.classList.remove("active");
    if (word) word.el.classList.add("active");
    activeWord = word;
  }
  const seg = covering(state.segEls, t);
  if (seg !== activeSeg) {
    if (activeSeg) activeSeg.el.classList.remove("current");
    if (seg) {
      seg.el.classList.add("current");
      seg.el.scrollIntoView({ block: "nearest" });
    }
    activeSeg = seg;
  }
  if (!media.paused && !media.ended && !following) {
    following = requestAnimationFrame(() => {
      following = 0;
      if (!media.paused) followPlayback(media);
    });
  }
}

// ---------- downloads and copy ----------

function cues() {
  return state.doc.segments.filter((segment) => segment.text);
}

function formatDoc(kind) {
  const doc = state.doc;
  if (kind === "txt") return doc.text.trim() + "\n";
  if (kind === "json") return JSON.stringify(doc.json || { text: doc.text }, null, 2) + "\n";
  const separator = kind === "srt" ? "," : ".";
  const blocks = cues().map((segment, index) => {
    const times = `${clock(segment.start, separator)} --> ${clock(segment.end, separator)}`;
    return (kind === "srt" ? `${index + 1}\n` : "") + `${times}\n${segment.text}\n`;
  });
  return (kind === "vtt" ? "WEBVTT\n\n" : "") + blocks.join("\n");
}

const MEDIA_TYPES = {
  txt: "text/plain",
  srt: "application/x-subrip",
  vtt: "text/vtt",
  json: "application/json",
};

function download(kind) {
  const blob = new Blob([formatDoc(kind)], { type: MEDIA_TYPES[kind] + ";charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${state.doc.name}.${kind}`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

function updateDownloads() {
  const doc = state.doc;
  const busy = Boolean(state.xhr) || Boolean(state.mic);
  const hasText = Boolean(doc && doc.text.trim());
  const hasCues = Boolean(doc && cues().length);
  for (const button of document.querySelectorAll("[data-download]")) {
    const kind = button.dataset.download;
    const needsCues = kind === "srt" || kind === "vtt";
    button.disabled = busy || !hasText || (needsCues && !hasCues);
    button.title = needsCues && !hasCues ? "Needs timings (turn on word timings)" : "";
  }
  $("copy").disabled = !hasText;
}

async function copyText() {
  const text = state.doc.text.trim();
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard API outside secure contexts: the old way.
    const area = document.createElement("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  $("copy-status").textContent = "Copied to the clipboard.";
}

// ---------- microphone mode ----------

// Linear interpolation to 24 kHz after a box filter against aliasing when downsampling.
class Resampler {
  constructor(fromRate, toRate) {
    this.step = fromRate / toRate;
    this.width = Math.max(1, Math.round(this.step));
    this.history = new Float32Array(this.width - 1);
    this.position = 0;
    this.previous = 0;
  }

  smooth(input) {
    if (this.width === 1) return input;
    const joined = new Float32Array(this.history.length + input.length);
    joined.set(this.history);
    joined.set(input, this.history.length);
    const out = new Float32Array(input.length);
    let sum = 0;
    for (let i = 0; i < this.width - 1; i++) sum += joined[i];
    for (let i = 0; i < input.length; i++) {
      sum += joined[i + this.width - 1];
      out[i] = sum / this.width;
      sum -= joined[i];
    }
    this.history = joined.slice(joined.length - (this.width - 1));
    return out;
  }

  push(raw) {
    const input = this.smooth(raw);
    const out = [];
    let t = this.position;
    while (t < input.length - 1) {
      const i = Math.floor(t);
      const a = i < 0 ? this.previous : input[i];
      const b = input[i + 1];
      out.push(a + (b - a) * (t - i));
      t += this.step;
    }
    this.position = t - input.length;
    this.previous = input[input.length - 1];
    return out;
  }
}

function base64Pcm16(samples) {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  samples.forEach((sample, index) => {
    const clipped = Math.max(-1, Math.min(1, sample));
    view.setInt16(index * 2, clipped < 0 ? clipped * 0x8000 : clipped * 0x7fff, true);
  });
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function micStatus(text) {
  $("mic-status").textContent = text;
}

function turnFor(itemId) {
  const mic = state.mic;
  let turn = mic.turns.get(itemId);
  if (!turn) {
    const item = document.createElement("li");
    const stamp = document.createElement("span");
    stamp.className = "stamp";
    const text = document.createElement("span");
    const confirmed = document.createElement("span");
    confirmed.className = "confirmed";
    const tail = document.createElement("span");
    tail.className = "tail";
    text.append(confirmed, tail);
    item.append(stamp, text);
    $("segments").append(item);
    turn = { start: 0, end: 0, text: "", final: false, deltas: 0, stamp, confirmed, tail, item };
    mic.turns.set(itemId, turn);
    mic.order.push(turn);
  }
  return turn;
}

function renderTurn(turn, tailText) {
  turn.stamp.textContent = shortClock(turn.start);
  turn.confirmed.textContent = turn.text;
  turn.tail.textContent = turn.final ? "" : (turn.text ? " " : "") + tailText;
  turn.item.dataset.final = String(turn.final);
  turn.item.dataset.deltas = String(turn.deltas);
  show(turn.tail, !turn.final);
}

function syncMicDoc(mic) {
  const finals = mic.order.filter((turn) => turn.text.trim());
  state.doc.segments = finals.map((turn) => ({
    start: turn.start,
    end: Math.max(turn.end, turn.start),
    text: turn.text.trim(),
    words: [],
  }));
  state.doc.text = state.doc.segments.map((segment) => segment.text).join("\n");
  state.doc.json = { text: state.doc.text, segments: state.doc.segments.map(({ words, ...rest }) => rest) };
  updateDownloads();
}

function onRealtime(event) {
  const mic = state.mic;
  if (!mic) return;
  const type = event.type;
  if (type === "session.created") {
    const transcription = { model: $("model").value };
    if ($("language").value !== "auto") transcription.language = $("language").value;
    const prompt = $("prompt").value.trim();
    if (prompt) transcription.prompt = prompt;
    mic.socket.send(
      JSON.stringify({
        type: "session.update",
        session: {
          type: "transcription",
          audio: { input: { format: { type: "audio/pcm", rate: REALTIME_RATE }, transcription } },
        },
      }),
    );
    mic.ready();
  } else if (type === "input_audio_buffer.speech_started") {
    const turn = turnFor(event.item_id);
    turn.start = (event.audio_start_ms || 0) / 1000;
    mic.speaking = true;
    renderTurn(turn, "listening…");
    micStatus("Hearing speech…");
  } else if (type === "input_audio_buffer.speech_stopped") {
    const turn = turnFor(event.item_id);
    turn.end = (event.audio_end_ms || 0) / 1000;
    mic.speaking = false;
    renderTurn(turn, "finishing the turn…");
    micStatus("Listening.");
  } else if (type === "conversation.item.input_audio_transcription.delta") {
    const turn = turnFor(event.item_id);
    turn.text += event.delta;
    turn.deltas += 1;
    renderTurn(turn, mic.speaking ? "listening…" : "finishing the turn…");
    syncMicDoc(mic);
  } else if (type === "conversation.item.input_audio_transcription.completed") {
    const turn = turnFor(event.item_id);
    turn.text = event.transcript;
    turn.final = true;
    renderTurn(turn, "");
    syncMicDoc(mic);
    mic.settled();
  } else if (type === "conversation.item.input_audio_transcription.failed") {
    const turn = turnFor(event.item_id);
    turn.final = true;
    renderTurn(turn, "");
    setError($("mic-error"), plainError(500, event));
    mic.settled();
  } else if (type === "error") {
    setError($("mic-error"), plainError(400, event));
  }
}

async function micStart() {
  setError($("mic-error"), "");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.AudioWorkletNode) {
    setError(
      $("mic-error"),
      "This browser allows the microphone only on https:// or localhost pages. " +
        "Start the server with --tls-cert and --tls-key, or open it on localhost.",
    );
    return;
  }
  $("mic-start").disabled = true;
  startDoc("mic", `microphone-${new Date().toISOString().slice(0, 19).replace(/[T:]/g, "-")}`);
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: true },
    });
  } catch (error) {
    setError($("mic-error"), `No microphone: ${error.message || error.name}.`);
    $("mic-start").disabled = false;
    return;
  }
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const protocols = ["realtime"];
  if (state.key) protocols.push("openai-insecure-api-key." + state.key);
  const socket = new WebSocket(`${scheme}//${location.host}/v1/realtime?intent=transcription`, protocols);
  const mic = {
    socket,
    stream,
    context: null,
    turns: new Map(),
    order: [],
    speaking: false,
    pending: [],
    pendingLength: 0,
    ready: () => {},
    settled: () => {},
  };
  state.mic = mic;
  updateDownloads();
  socket.onmessage = (message) => {
    const event = parseBody(message.data);
    if (event) onRealtime(event);
  };
  socket.onclose = (close) => {
    if (state.mic === mic && !mic.stopping) {
      setError($("mic-error"), `The live session ended: ${close.reason || "the connection closed"}.`);
      micStop();
    }
  };
  micStatus("Connecting…");
  const opened = await new Promise((resolve) => {
    mic.ready = () => resolve(true);
    socket.onerror = () => resolve(false);
  });
  if (!opened) {
    setError($("mic-error"), "Could not open the live session (is an API key needed?).");
    return micStop();
  }
  const context = new AudioContext();
  mic.context = context;
  await context.audioWorklet.addModule("/ui/capture-worklet.js");
  const source = context.createMediaStreamSource(stream);
  const capture = new AudioWorkletNode(context, "capture");
  const mute = context.createGain();
  mute.gain.value = 0;
  source.connect(capture).connect(mute).connect(context.destination);
  const resampler = new Resampler(context.sampleRate, REALTIME_RATE);
  capture.port.onmessage = (message) => {
    const block = message.data;
    let peak = 0;
    for (let i = 0; i < block.length; i++) peak = Math.max(peak, Math.abs(block[i]));
    $("level").value = Math.min(1, Math.sqrt(peak));
    const samples = resampler.push(block);
    mic.pending.push(samples);
    mic.pendingLength += samples.length;
    if (mic.pendingLength >= SEND_EVERY_SAMPLES && socket.readyState === WebSocket.OPEN) {
      const all = mic.pending.flat();
      mic.pending = [];
      mic.pendingLength = 0;
      socket.send(JSON.stringify({ type: "input_audio_buffer.append", audio: base64Pcm16(all) }));
    }
  };
  $("mic-stop").disabled = false;
  micStatus("Listening. Speak; a pause ends a turn.");
}

async function micStop() {
  const mic = state.mic;
  if (!mic || mic.stopping) return;
  mic.stopping = true;
  $("mic-stop").disabled = true;
  for (const track of mic.stream.getTracks()) track.stop();
  if (mic.context) await mic.context.close();
  $("level").value = 0;
  const open = () => mic.order.filter((turn) => !turn.final);
  if (mic.socket.readyState === WebSocket.OPEN) {
    if (mic.speaking) mic.socket.send(JSON.stringify({ type: "input_audio_buffer.commit" }));
    micStatus("Finishing the last turn…");
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 8000);
      mic.settled = () => {
        if (!open().length) {
          clearTimeout(timer);
          resolve();
        }
      };
      mic.settled();
    });
    mic.socket.close(1000, "done");
  }
  for (const turn of open()) {
    turn.final = true;
    renderTurn(turn, "");
  }
  state.mic = null;
  syncMicDoc(mic);
  $("mic-start").disabled = false;
  micStatus(mic.order.length ? "Stopped. Save the transcript below." : "Stopped. No speech was heard.");
}

// ---------- wiring ----------

function wire() {
  $("key-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    state.key = $("key-input").value.trim();
    if (!state.key) return;
    if (await loadModels()) {
      sessionStorage.setItem(KEY_STORAGE, state.key);
      $("key-input").value = "";
    }
  });
  $("forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORAGE);
    state.key = "";
    show($("forget-key"), false);
    askKey("");
  });
  $("model").addEventListener("change", fillLanguages);
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", tabKeys);
  }
  const drop = $("drop");
  $("file-input").addEventListener("change", (event) => chooseFile(event.target.files[0]));
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    chooseFile(event.dataTransfer.files[0]);
  });
  $("transcribe").addEventListener("click", transcribeFile);
  $("cancel").addEventListener("click", () => state.xhr && state.xhr.abort());
  for (const button of document.querySelectorAll("[data-download]")) {
    button.addEventListener("click", () => download(button.dataset.download));
  }
  $("copy").addEventListener("click", copyText);
  $("mic-start").addEventListener("click", micStart);
  $("mic-stop").addEventListener("click", micStop);
}

wire();
fillLanguages();
if (document.body.dataset.auth === "key" && !state.key) askKey("");
else loadModels();
