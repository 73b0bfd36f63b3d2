import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../logger.js';
import { sendJson } from './respond.js';
import type { RouteHandler } from './router.js';

export interface HttpServerOptions {
  readonly logger?: Logger;
  /** Time allowed to receive a whole request (headers and body); default 60 s. Responses may take longer. */
  readonly requestTimeoutMs?: number;
  /** Serve HTTPS with this certificate chain and key (PEM) instead of plain HTTP. */
  readonly tls?: { readonly cert: Buffer | string; readonly key: Buffer | string };
}

export interface HttpServerHandle {
  readonly server: Server;
  /** Starts listening (port 0 picks a free port) and resolves with the bound address. */
  listen(port?: number, host?: string): Promise<{ readonly host: string; readonly port: number; readonly url: string }>;
  /**
   * Stops accepting connections, lets requests in flight finish for up to `graceMs`, then closes every
   * connection that is left (long polls included). Resolves when the server is closed.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * A node:http server that offers each request to `handlers` in order; the first that claims it answers
 * (a handler may claim or decline at once, or resolve its answer later).
 * Unclaimed requests get 404 `{"error": ...}`. A handler that throws gets a 500 (and a log line), and the
 * server keeps serving.
 */
export function createHttpServer(handlers: readonly RouteHandler[], options: HttpServerOptions = {}): HttpServerHandle {
  const logger = options.logger ?? silentLogger;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  // Per request, nothing is allocated here beyond what Node allocates: a parked long poll (a blocking
  // query) holds its request for minutes, and what each one holds is what every young-generation GC
  // copies (see bench/consul-api.bench.ts). So: one shared 'close' listener, no async frame per request.
  const closed = (): void => {
    inFlight--;
    if (inFlight === 0) drained?.();
  };
  const failed = (req: IncomingMessage, res: ServerResponse, err: unknown): void => {
    logger.error({ err, method: req.method, path: (req.url ?? '/').split('?')[0] }, 'request handler failed'); // no query: it may carry ?token=
    sendJson(res, 500, { error: 'internal error' });
  };
  /** Offers the request to handlers[i], then to the next ones while they decline it. */
  const offer = (req: IncomingMessage, res: ServerResponse, i: number): void => {
    for (; i < handlers.length; i++) {
      let claimed: boolean | Promise<boolean>;
      try {
        claimed = handlers[i]!(req, res);
      } catch (err) {
        return failed(req, res, err);
      }
      if (claimed === true) return;
      if (claimed === false) continue;
      const next = i + 1;
      claimed.then(
        (yes) => {
          if (!yes) offer(req, res, next);
        },
        (err: unknown) => failed(req, res, err),
      );
      return;
    }
    sendJson(res, 404, { error: `no such endpoint: ${req.method} ${(req.url ?? '/').split('?')[0]}` });
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight++;
    res.on('close', closed);
    offer(req, res, 0);
  };
  const serverOptions = { requestTimeout: options.requestTimeoutMs ?? 60_000 };
  const server: Server = options.tls
    ? createHttpsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, onRequest)
    : createServer(serverOptions, onRequest);
  server.on('clientError', (err, socket) => {
    logger.debug({ err }, 'malformed HTTP request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  return {
    server,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve({ host: addr.address, port: addr.port, url: `${options.tls ? 'https' : 'http'}://${h}:${addr.port}` });
        });
      });
    },
    close(graceMs = 0) {
      return new Promise((resolve) => {
        if (!server.listening) {
          server.closeAllConnections();
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeIdleConnections();
        if (inFlight === 0 || graceMs <= 0) {
          server.closeAllConnections();
          return;
        }
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        drained = () => {
          clearTimeout(timer);
          server.closeAllConnections();
        };
      });
    },
  };
}
