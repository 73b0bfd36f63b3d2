import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplaySubject, skip } from 'rxjs';
import { watchConfigFiles, type FileSourceState } from '../../../src/sources/file/index.js';
import type { Logger } from '../../../src/core/logger.js';
import { waitFor } from '../../support/wait.js';
import { parseTestService, type TestService } from './fake-service-parser.js';

type State = FileSourceState<TestService>;

function capturingLogger(lines: { level: string; obj: object; msg?: string }[]): Logger {
  const l: Logger = {
    debug: (obj, msg) => lines.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
    child: () => l,
  };
  return l;
}

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'rxds-file-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const logs: { level: string; obj: object; msg?: string }[] = [];
  const states = new ReplaySubject<State>();
  const paths = Object.keys(files).map((n) => join(dir, n));
  const sub = watchConfigFiles(paths, { parseService: parseTestService, logger: capturingLogger(logs), debounceMs: 20 }).subscribe(states);
  t.after(() => sub.unsubscribe());
  return { dir, states, logs, paths, w: track(states) };
}

/** The states emitted so far, and a way to wait for a matching one among those emitted after a mark. */
interface Watch {
  readonly seen: State[];
  /** Waits for a state matching `predicate` emitted at or after position `mark` of `seen`. */
  since(mark: number, predicate: (s: State) => boolean, what: string): Promise<State>;
}

function track(states: ReplaySubject<State>): Watch {
  const seen: State[] = [];
  states.subscribe((s) => seen.push(s));
  return { seen, since: (mark, predicate, what) => waitFor(states.pipe(skip(mark)), predicate, what) };
}

const ids = (s: State) => s.merged.services.map((x) => `${x.ID}:${x.Port}`).join(',');

test('reads YAML and JSON files at start and merges them', async (t) => {
  let m = 0;
  const { w } = await setup(t, {
    'a.yaml': 'services:\n  - { name: web, port: 80 }\nconfig_entries:\n  - { kind: service-defaults, name: web, protocol: http }\n',
    'b.json': '{"services": [{"Name": "db", "Port": 5432}], "acl": {"default_policy": "allow"}}',
  });
  const s = await w.since(m, () => true, 'the first state');
  assert.deepEqual(s.files.map((f) => f.status), ['ok', 'ok']);
  assert.equal(ids(s), 'web:80,db:5432');
  assert.deepEqual(s.merged.configEntries.map((e) => e.Name), ['web']);
  assert.equal(s.merged.acl?.DefaultPolicy, 'allow');
});

test('an edit applies; an invalid edit degrades the file with file:line and keeps the last good; a fix recovers', async (t) => {
  let m = 0;
  const { w, logs, paths } = await setup(t, { 'mesh.yaml': 'services:\n  - { name: web, port: 80 }\n' });
  const path = paths[0]!;
  await w.since(m, (s) => ids(s) === 'web:80', 'initial content');

  m = w.seen.length;
  await writeFile(path, 'services:\n  - { name: web, port: 81 }\n  - { name: api, port: 82 }\n');
  await w.since(m, (s) => ids(s) === 'web:81,api:82', 'the edited content');

  m = w.seen.length;
  await writeFile(path, 'services:\n  - { name: web, port: 81 }\n  - { port: 82 }\n');
  const bad = await w.since(m, (s) => s.files[0]!.status === 'degraded' && !!s.files[0]!.error?.includes('services[1]'), 'degraded state');
  assert.equal(bad.files[0]!.error, `${path}:3: services[1].Name: is required`);
  assert.equal(ids(bad), 'web:81,api:82', 'the last good content stays in force');
  assert.ok(logs.some((l) => l.level === 'error' && JSON.stringify(l.obj).includes('services[1].Name')), 'the rejection is logged');

  m = w.seen.length;
  await writeFile(path, 'services:\n  - { name: web, port: 83 }\n');
  const fixed = await w.since(m, (s) => s.files[0]!.status === 'ok' && ids(s) === 'web:83', 'recovered state');
  assert.equal(fixed.files[0]!.error, undefined);
});

test("an editor's rename-replace save is seen", async (t) => {
  let m = 0;
  const { dir, w, paths } = await setup(t, { 'mesh.yaml': 'services:\n  - { name: web, port: 80 }\n' });
  await w.since(m, (s) => ids(s) === 'web:80', 'initial content');
  const tmp = join(dir, '.mesh.yaml.swp');
  m = w.seen.length;
  await writeFile(tmp, 'services:\n  - { name: web, port: 90 }\n');
  await rename(tmp, paths[0]!);
  await w.since(m, (s) => ids(s) === 'web:90', 'content after rename-replace');
  // and once more, to show the watch survived the replacement of the file
  m = w.seen.length;
  await writeFile(tmp, 'services:\n  - { name: web, port: 91 }\n');
  await rename(tmp, paths[0]!);
  await w.since(m, (s) => ids(s) === 'web:91', 'content after a second rename-replace');
});

test('a deleted file is degraded (last good kept); recreating it recovers', async (t) => {
  let m = 0;
  const { w, paths } = await setup(t, { 'mesh.yaml': 'services:\n  - { name: web, port: 80 }\n' });
  await w.since(m, (s) => ids(s) === 'web:80', 'initial content');
  m = w.seen.length;
  await unlink(paths[0]!);
  const gone = await w.since(m, (s) => !!s.files[0]!.error?.endsWith('file not found'), 'degraded after delete');
  assert.equal(gone.files[0]!.error, `${paths[0]}: file not found`);
  assert.equal(ids(gone), 'web:80');
  m = w.seen.length;
  await writeFile(paths[0]!, 'services: []\n');
  await w.since(m, (s) => s.files[0]!.status === 'ok' && ids(s) === '', 'recreated (and emptied) file');
});

test('a duplicate service ID in a later file is an error on that file', async (t) => {
  let m = 0;
  const { w, paths } = await setup(t, {
    'a.yaml': 'services:\n  - { name: web, port: 80 }\n',
    'b.yaml': 'services:\n  - { name: db, port: 5432 }\n',
  });
  await w.since(m, (s) => ids(s) === 'web:80,db:5432', 'initial content');
  m = w.seen.length;
  await writeFile(paths[1]!, 'services:\n  - { name: db, port: 5432 }\n  - { name: web, port: 8080 }\n');
  const s = await w.since(m, (x) => !!x.files[1]!.error?.includes('duplicate'), 'b.yaml degraded');
  assert.equal(s.files[1]!.error, `${paths[1]}: duplicate service ID "web" (already declared in ${paths[0]})`);
  assert.equal(s.files[0]!.status, 'ok');
  assert.equal(ids(s), 'web:80,db:5432');
});

test('a file missing at start is degraded; the others are served', async (t) => {
  let m = 0;
  const dir = await mkdtemp(join(tmpdir(), 'rxds-file-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a.yaml'), 'services:\n  - { name: web, port: 80 }\n');
  const states = new ReplaySubject<State>();
  const sub = watchConfigFiles([join(dir, 'a.yaml'), join(dir, 'missing.yaml')], { parseService: parseTestService, debounceMs: 20 }).subscribe(states);
  t.after(() => sub.unsubscribe());
  const w = track(states);
  const s = await w.since(m, () => true, 'the first state');
  assert.deepEqual(s.files.map((f) => [f.status, f.everGood]), [['ok', true], ['degraded', false]]);
  assert.equal(ids(s), 'web:80');
  m = w.seen.length;
  await writeFile(join(dir, 'missing.yaml'), 'services:\n  - { name: db, port: 1 }\n');
  await w.since(m, (x) => ids(x) === 'web:80,db:1', 'the file once it appears');
});
