// Server-Sent Events over fetch (EventSource cannot send the X-Consul-Token header).
import { authHeaders, ApiError } from './api.js';

/**
 * Reads the event stream at `path`, calling onEvent({ event, data }) per event (comments and
 * heartbeats skipped). Resolves when the server ends the stream; rejects on an HTTP error or abort.
 */
export async function readSse(path, onEvent, { signal } = {}) {
  const res = await fetch(path, { headers: { accept: 'text/event-stream', ...authHeaders() }, signal, cache: 'no-store' });
  if (!res.ok) {
    let message = res.statusText;
    try {
      const body = await res.json();
      if (body && body.error) message = body.error;
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(res.status, `${res.status}: ${message}`);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = parseBlock(block);
      if (event) onEvent(event);
    }
  }
}

function parseBlock(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? undefined : { event, data: data.join('\n') };
}
