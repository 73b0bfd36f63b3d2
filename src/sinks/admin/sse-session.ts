import type { IncomingMessage, ServerResponse } from 'node:http';
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import type { Logger } from '../../core/logger.js';
import type { WatchEvent } from './watch-events.js';

/** The text/event-stream framing of one watch event. */
export function sseFrame<T>(event: WatchEvent<T>): string {
  switch (event.type) {
    case 'config':
      return `event: config\ndata: ${JSON.stringify(event.config)}\n\n`;
    case 'patch':
      return `event: patch\ndata: ${JSON.stringify(event.patch)}\n\n`;
    case 'heartbeat':
      return ': heartbeat\n\n';
  }
}

/**
 * Serves a Server-Sent Events response from `events(writable$)` until the client goes away (then it
 * unsubscribes: no timer or subscription outlives the connection) or the events complete (then it ends
 * the response). `writable$` tells the event source when the socket buffer is full and when it drained,
 * so a slow client gets the latest state, never a growing queue.
 */
export function serveSse<T>(
  req: IncomingMessage,
  res: ServerResponse,
  events: (writable$: Observable<boolean>) => Observable<WatchEvent<T>>,
  logger: Logger,
  onClose: () => void = () => {},
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const writable$ = new BehaviorSubject(true);
  const onDrain = () => writable$.next(true);
  res.on('drain', onDrain);
  let closed = false;
  let subscription: Subscription | undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    subscription?.unsubscribe();
    res.off('drain', onDrain);
    writable$.complete();
    onClose();
  };
  subscription = events(writable$).subscribe({
    next: (event) => {
      if (res.destroyed || res.writableEnded) return;
      if (!res.write(sseFrame(event))) writable$.next(false);
    },
    error: (err: unknown) => {
      logger.error({ err: String(err) }, 'watch stream failed');
      res.end();
      close();
    },
    complete: () => {
      res.end();
      close();
    },
  });
  if (closed) subscription.unsubscribe(); // the events ended synchronously
  req.on('close', close);
  res.on('close', close);
}
