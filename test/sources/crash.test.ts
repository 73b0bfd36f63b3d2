import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call } from './support/api-server.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/sqlite-api-server.ts', import.meta.url));

interface Child {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

async function startChild(dir: string): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.on('exit', (code, signal) => resolve(signal ?? code)));
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    void exited.then((how) => reject(new Error(`child exited (${String(how)}) before listening: ${stderr}`)));
  });
  return { proc, url: `http://127.0.0.1:${port}`, exited };
}

test('every registration acknowledged before a SIGKILL is there when a new process opens the data dir', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rxds-crash-'));
  let child: Child | undefined;
  try {
    child = await startChild(dir);
    const first = child;
    // A config entry and a TTL status, acknowledged before the crash, must survive too.
    assert.equal((await call('PUT', `${first.url}/v1/config`, { Kind: 'service-defaults', Name: 'svc', Protocol: 'grpc' })).status, 200);
    assert.equal((await call('PUT', `${first.url}/v1/agent/service/register`, { Name: 'svc', ID: 'ttl-1', Port: 1, Check: { TTL: '1m' } })).status, 200);
    assert.equal((await call('PUT', `${first.url}/v1/agent/check/pass/service:ttl-1?note=alive`)).status, 200);

    // Registrations in flight, 16 at a time; the child is killed the moment the 150th is acknowledged.
    const acknowledged = new Set<string>();
    let killed = false;
    let next = 0;
    const worker = async () => {
      while (!killed && next < 400) {
        const id = `svc-${next++}`;
        try {
          const r = await call('PUT', `${first.url}/v1/agent/service/register`, { Name: 'svc', ID: id, Port: 1000 + next });
          if (r.status === 200) acknowledged.add(id);
          if (acknowledged.size >= 150 && !killed) {
            killed = true;
            first.proc.kill('SIGKILL');
          }
        } catch {
          // The connection died with the process: not acknowledged.
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    assert.equal(await first.exited, 'SIGKILL');
    assert.ok(acknowledged.size >= 150);

    child = await startChild(dir);
    const services = (await call('GET', `${child.url}/v1/agent/services`)).json as Record<string, unknown>;
    const missing = [...acknowledged].filter((id) => !(id in services));
    assert.deepEqual(missing, [], 'acknowledged registrations that were lost');
    const health = (await call('GET', `${child.url}/v1/health/service/svc?passing`)).json as { Service: { ID: string }; Checks: { Output: string }[] }[];
    assert.ok(health.some((e) => e.Service.ID === 'ttl-1' && e.Checks[0]!.Output === 'alive'), 'the acknowledged TTL pass survived');
    const entry = await call('GET', `${child.url}/v1/config/service-defaults/svc`);
    assert.equal((entry.json as { Protocol: string }).Protocol, 'grpc');
  } finally {
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
