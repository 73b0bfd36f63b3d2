/**
 * An error whose message is meant for the HTTP client. Handlers throw it for anything wrong with the
 * request; the router turns it into `{"error": message}` with its status. Anything else thrown is a bug
 * in rxds and becomes a 500 (logged), never a client-visible stack.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

export function forbidden(message = 'Permission denied'): HttpError {
  return new HttpError(403, message);
}

export function notFound(message: string): HttpError {
  return new HttpError(404, message);
}

export function methodNotAllowed(allowed: readonly string[]): HttpError {
  return new HttpError(405, `method not allowed; use ${allowed.join(', ')}`, { allow: allowed.join(', ') });
}

export function payloadTooLarge(limit: number): HttpError {
  return new HttpError(413, `request body larger than ${limit} bytes`);
}
