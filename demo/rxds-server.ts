// The control plane for the demo: the built `rxds` binary (bin/rxds.js -> dist/), started as an operator
// would start it (`rxds serve`), on free ports with a fresh data dir that is removed when it stops.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

export const RXDS_BIN = new URL('../bin/rxds.js', import.meta.url).pathname;

export interface RxdsServer {
  readonly httpUrl: string;
  readonly httpAddr: string;
  readonly grpcAddr: string;
  readonly dataDir: string;
  /** Runs another `rxds` command (e.g. `bootstrap grpc`) and resolves with its standard output. */
  run(args: readonly string[]): Promise<string>;
  /** SIGTERM, wait for the exit (SIGKILL after 10 s), remove the data dir. Safe to call twice. */
  stop(): Promise<void>;
  /** Synchronous last resort for process 'exit': SIGKILL and remove the data dir. */
  killNow(): void;
}

/** `onWarning` receives rxds's own warning and error log lines (pino level >= 40), e.g. a rejected config. */
export async function startRxds(opts: { timeoutMs?: number; onWarning?: (line: string) => void } = {}): Promise<RxdsServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rxds-demo-'));
  const child = spawn(
    process.execPath,
    [RXDS_BIN, 'serve', '--http-addr', '127.0.0.1:0', '--grpc-addr', '127.0.0.1:0', '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  let listening: { http: string; grpc: string };
  try {
    listening = await waitForListening(child, exited, () => stderr, opts.timeoutMs ?? 20_000, opts.onWarning);
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    removeDir();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  return {
    httpUrl: `http://${listening.http}`,
    httpAddr: listening.http,
    grpcAddr: listening.grpc,
    dataDir,
    run: async (args) => (await promisify(execFile)(process.execPath, [RXDS_BIN, ...args], { timeout: 15_000 })).stdout,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        removeDir();
      })()),
    killNow: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      removeDir();
    },
  };
}

/** Reads rxds's JSON log lines until `{"msg":"listening","http":...,"grpc":...}`. */
function waitForListening(
  child: ChildProcess,
  exited: Promise<void>,
  stderr: () => string,
  timeoutMs: number,
  onWarning?: (line: string) => void,
) {
  return new Promise<{ http: string; grpc: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rxds serve did not start within ${timeoutMs} ms: ${stderr()}`)), timeoutMs);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`rxds serve exited before listening (did you run \`npm run build\`?): ${stderr()}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (typeof entry['level'] === 'number' && entry['level'] >= 40) onWarning?.(`${String(entry['msg'])} ${JSON.stringify(entry)}`);
      if (entry['msg'] === 'listening') {
        clearTimeout(timer);
        resolve({ http: String(entry['http']), grpc: String(entry['grpc']) });
      }
    });
  });
}
