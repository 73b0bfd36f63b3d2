// The demo runs unattended (--ci) as CI runs it: it starts the built rxds binary, the backends and the
// proxyless frontend, and exits 0 only if every step's window of RPCs had the expected split and no failure.
// (`npm run demo -- --ci` builds first; here `npm test` has built dist/ already, so the entry runs directly.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const ROOT = new URL('../..', import.meta.url).pathname;
const ENTRY = ['--import', 'tsx', 'demo/main.ts'];

test('npm run demo -- --ci: every step behaves, exit 0, children and data dir cleaned up', { timeout: 90_000 }, async () => {
  const child = spawn(process.execPath, [...ENTRY, '--ci'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 80_000 });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  assert.equal(code, 0, out);
  const steps = out.match(/^\[(\d)\/(\d)\] .+$/gm) ?? [];
  assert.equal(steps.length, 7, out);
  assert.equal((out.match(/-> OK$/gm) ?? []).length, 7, out);
  assert.match(out, /^all 7 steps behaved/m);
  // The split of the canary step as printed is within its tolerance (the demo's own check, seen from outside).
  const canary = /expected v1 90% \/ v2 10%/.test(out) && /next \d+ RPCs: v1 \d+ \((\d+\.\d)%\)/.exec(out.slice(out.indexOf('[2/7]')));
  assert.ok(canary && Math.abs(Number(canary[1]) - 90) <= 6, out);
  const dataDir = /data dir (\S+)/.exec(out)?.[1];
  assert.ok(dataDir && !existsSync(dataDir), `the temp data dir ${dataDir} is removed`);
});

test('the demo refuses an unknown argument with exit 2 and says what to do', () => {
  const r = spawnSync(process.execPath, [...ENTRY, '--fast'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /unknown argument "--fast" \(try --help\)/);
});
