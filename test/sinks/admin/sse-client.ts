// A minimal Server-Sent Events client over fetch, as a browser's EventSource would read the stream.
import { StreamQueue } from '../../support/stream-queue.js';

export interface SseEvent {
  /** The `event:` field ('message' when absent); comment lines (keep-alives) come as 'comment'. */
  readonly event: string;
  readonly data: string;
}

export interface SseClient {
  readonly status: number;
  readonly headers: Headers;
  next(timeoutMs?: number): Promise<SseEvent>;
  /** The next event of a type other than 'comment'. */
  nextEvent(timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const queue = new StreamQueue<SseEvent>();
  let resolveEnded!: () => void;
  const ended = new Promise<void>((r) => (resolveEnded = r));
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const parsed = parseFrame(frame);
          if (parsed) queue.push(parsed);
        }
      }
    } catch {
      // aborted by close()
    }
    resolveEnded();
  })();
  return {
    status: res.status,
    headers: res.headers,
    next: (timeoutMs = 5000) => queue.next(timeoutMs, 'an SSE event'),
    async nextEvent(timeoutMs = 5000) {
      for (;;) {
        const e = await queue.next(timeoutMs, 'an SSE event');
        if (e.event !== 'comment') return e;
      }
    },
    ended,
    close: () => abort.abort(),
  };
}

function parseFrame(frame: string): SseEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  let comment = false;
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) comment = true;
    else if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (data.length === 0) return comment ? { event: 'comment', data: '' } : undefined;
  return { event, data: data.join('\n') };
}
