import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The built `rxds` binary, run as a user would (tests need `npm run build` first; `npm test` does it). */
export const RXDS_BIN = new URL('../../bin/rxds.js', import.meta.url).pathname;

export interface RxdsProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly httpUrl: string;
  readonly grpcAddr: string;
  readonly dataDir: string;
  /** Every JSON log line seen so far. */
  readonly logs: Record<string, unknown>[];
  /** Sends a signal and resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts `rxds serve` on free ports with a fresh data dir and waits for its `listening` line. */
export async function startRxdsProcess(args: readonly string[] = [], opts: { dataDir?: string; timeoutMs?: number } = {}): Promise<RxdsProcess> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'rxds-test-'));
  const child = spawn(process.execPath, [RXDS_BIN, 'serve', '--http-addr', '127.0.0.1:0', '--grpc-addr', '127.0.0.1:0', '--data-dir', dataDir, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rxds did not log "listening" in time; stderr: ${stderr}`)), opts.timeoutMs ?? 15_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'listening') {
        clearTimeout(timer);
        resolve(entry);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`rxds exited (${code}) before listening; stderr: ${stderr}`));
    });
  });
  const line = await listening;
  return {
    child,
    httpUrl: `http://${String(line.http)}`,
    grpcAddr: String(line.grpc),
    dataDir,
    logs,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/**
 * Runs `rxds serve` (free ports, a fresh data dir) expecting its start to fail: resolves with the exit code
 * and output once it exits, or rejects after `timeoutMs` (the process is killed either way).
 */
export async function runFailedStart(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rxds-test-'));
  const child = spawn(process.execPath, [RXDS_BIN, 'serve', '--http-addr', '127.0.0.1:0', '--grpc-addr', '127.0.0.1:0', '--data-dir', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await Promise.race([
      new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`rxds serve did not exit within ${opts.timeoutMs ?? 20_000} ms:\n${stderr}`)), opts.timeoutMs ?? 20_000);
      }),
    ]);
    return { code, stderr, stdout };
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
