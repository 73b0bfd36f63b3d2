// A client command whose reader has gone away (`rxds services | head -1`, `rxds bootstrap ... | envoy` with an
// Envoy that exited) ends quietly with exit 0, instead of crashing on EPIPE with an unhandled 'error' stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cleanEnv } from './commands-support.js';

const ENTRY = new URL('./support/rxds-from-source.ts', import.meta.url).pathname;

/** Runs `rxds ...args` with its stdout pipe closed by the reader before anything is written. */
function runWithClosedStdout(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader goes away: the child's first write gets EPIPE
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

test('a client command whose stdout reader went away exits 0 without an EPIPE stack trace', async () => {
  const r = await runWithClosedStdout(['bootstrap', 'grpc', '--node-id', 'frontend-1', '--grpc-addr', '127.0.0.1:8502']);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled 'error' event/, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
});

test('usage errors still exit 2 with their message when stdout is closed', async () => {
  const r = await runWithClosedStdout(['bootstrap', 'grpc']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /node-id/);
});
