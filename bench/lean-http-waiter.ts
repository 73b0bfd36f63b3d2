// A lean HTTP/1.1 client for the benches' waiter processes: one kept-alive socket, one GET at a time,
// the answer read by Content-Length. It parses only the status line and the two headers the benches
// check, at a fraction of Node's http client's cost per answer (see bench/http-floor.bench.ts).
import { connect, type Socket } from 'node:net';

/** Waits on `path` over a kept-alive raw socket: one GET, one complete answer (status and index checked). */
export class LeanWaiter {
  private buf: Buffer | undefined;
  private done: ((r: { status: number; index: number }) => void) | undefined;
  private fail: ((err: Error) => void) | undefined;
  private readonly socket: Socket;
  constructor(port: number, onError: (err: Error) => void) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('error', (err) => (this.fail ?? onError)(err));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }
  get(path: string): Promise<{ status: number; index: number }> {
    return new Promise((resolve, reject) => {
      this.done = resolve;
      this.fail = reject;
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    });
  }
  private onData(chunk: Buffer): void {
    const buf = (this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk);
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buf.toString('latin1', 0, end);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) return this.fail?.(new Error(`answer without content-length: ${head}`));
    if (buf.length < end + 4 + Number(length[1])) return;
    this.buf = undefined;
    const status = Number(head.slice(9, 12));
    const index = Number(/\r\nx-consul-index: *(\d+)/i.exec(head)?.[1] ?? 0);
    const done = this.done;
    this.done = this.fail = undefined;
    done?.({ status, index });
  }
  close(): void {
    this.socket.destroy();
  }
}
