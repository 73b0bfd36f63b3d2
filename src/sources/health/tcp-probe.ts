import net from 'node:net';
import type { ProbeResult, TcpCheckSpec } from './check-spec.js';

/** Splits `host:port` / `[v6]:port`. */
export function splitHostPort(target: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(target) ?? /^([^:]+):(\d+)$/.exec(target);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid address "${target}" (expected host:port)`);
  return { host: m[1]!, port };
}

/** Consul's TCP check: a connection that opens is passing (`TCP connect <addr>: Success`); a failure rejects. */
export function tcpProbe(spec: TcpCheckSpec, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const { host, port } = splitHostPort(spec.tcp);
    const socket = net.connect({ host, port });
    const onAbort = (): void => {
      socket.destroy();
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ status: 'passing', output: `TCP connect ${spec.tcp}: Success` });
    });
    socket.once('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(e);
    });
  });
}
