// The HTTP API as the dashboard uses it: the token from ?token= goes along as X-Consul-Token.

const token = new URLSearchParams(location.search).get('token');

export function authHeaders() {
  return token ? { 'X-Consul-Token': token } : {};
}

/** An error the API answered, with its status and the server's message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** GET a JSON endpoint; resolves { body, index } (index from X-Consul-Index, if any). */
export async function getJson(path, { signal } = {}) {
  const res = await fetch(path, { headers: { accept: 'application/json', ...authHeaders() }, signal, cache: 'no-store' });
  const text = await res.text();
  let body;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  if (!res.ok) {
    const message = body && typeof body === 'object' && 'error' in body ? body.error : String(body || res.statusText);
    throw new ApiError(res.status, `${res.status}: ${message}`);
  }
  const index = res.headers.get('X-Consul-Index');
  return { body, index: index === null ? undefined : index };
}

/** Resolves after `ms`, or rejects at once when `signal` aborts. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** True for the error an aborted fetch or sleep rejects with. */
export function isAbort(err, signal) {
  return signal?.aborted || err?.name === 'AbortError';
}

/** A counting semaphore: at most `n` holders at once (browsers allow ~6 connections per host). */
export function semaphore(n) {
  let free = n;
  const waiting = [];
  return {
    async acquire() {
      if (free > 0) {
        free--;
        return;
      }
      await new Promise((resolve) => waiting.push(resolve));
    },
    release() {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}
