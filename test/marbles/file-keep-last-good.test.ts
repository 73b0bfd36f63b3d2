import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { map } from 'rxjs';
import { keepLastGood } from '../../src/sources/file/keep-last-good.js';
import type { FileContent, FileLoad, FileSourceState } from '../../src/sources/file/file-source-state.js';

interface Svc {
  readonly ID: string;
  readonly Port: number;
}
const content = (...services: Svc[]): FileContent<Svc> => ({ services, configEntries: [] });
const good = (path: string, c: FileContent<Svc>): FileLoad<Svc> => ({ path, ok: true, content: c });
const bad = (path: string, message: string, line?: number): FileLoad<Svc> => ({
  path, ok: false, error: { file: path, message, ...(line ? { line } : {}) },
});
const scheduler = () => new TestScheduler((a, e) => assert.deepEqual(a, e));

/** A compact view of a state: per file `path:status`, and the merged service IDs with ports. */
function view(s: FileSourceState<Svc>): string {
  const files = s.files.map((f) => `${f.path}:${f.status}`).join(',');
  const merged = s.merged.services.map((x) => `${x.ID}@${x.Port}`).join(',');
  return `${files} | ${merged}`;
}

const a1 = content({ ID: 'web-1', Port: 80 });
const a2 = content({ ID: 'web-1', Port: 81 }, { ID: 'web-2', Port: 82 });

test('a valid load replaces the content; an invalid one degrades the file and keeps the last good', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const loads$ = cold<FileLoad<Svc>>('a-x-b-y-c', {
      a: good('a.yaml', a1),
      x: bad('a.yaml', 'invalid YAML', 3),
      b: good('a.yaml', a2),
      y: bad('a.yaml', 'Splits[0].Weight: must be between 0 and 100'),
      c: good('a.yaml', content()),
    });
    expectObservable(loads$.pipe(keepLastGood<Svc>(['a.yaml']), map(view))).toBe('a-x-b-y-c', {
      a: 'a.yaml:ok | web-1@80',
      x: 'a.yaml:degraded | web-1@80',
      b: 'a.yaml:ok | web-1@81,web-2@82',
      y: 'a.yaml:degraded | web-1@81,web-2@82',
      c: 'a.yaml:ok | ', // removing services from the file removes them
    });
  });
});

test('the error is reported with file and line; recovering clears it', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const loads$ = cold<FileLoad<Svc>>('a-x-b', { a: good('m.yaml', a1), x: bad('m.yaml', 'invalid YAML: bad indentation', 7), b: good('m.yaml', a1) });
    expectObservable(loads$.pipe(keepLastGood<Svc>(['m.yaml']), map((s) => s.files[0]!.error ?? 'none'))).toBe('a-x-b', {
      a: 'none',
      x: 'm.yaml:7: invalid YAML: bad indentation',
      b: 'none',
    });
  });
});

test('a file invalid from the start is degraded with empty content, other files still count', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const loads$ = cold<FileLoad<Svc>>('(ab)', { a: bad('a.yaml', 'ENOENT'), b: good('b.yaml', content({ ID: 'db-1', Port: 5432 })) });
    expectObservable(loads$.pipe(keepLastGood<Svc>(['a.yaml', 'b.yaml']), map((s) => `${view(s)} | everGood=${s.files[0]!.everGood}`))).toBe('b', {
      b: 'a.yaml:degraded,b.yaml:ok | db-1@5432 | everGood=false',
    });
  });
});

test('nothing is emitted until every file has been loaded once', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const loads$ = cold<FileLoad<Svc>>('a--a--b', { a: good('a.yaml', a1), b: good('b.yaml', content()) });
    expectObservable(loads$.pipe(keepLastGood<Svc>(['a.yaml', 'b.yaml']), map(view))).toBe('------b', { b: 'a.yaml:ok,b.yaml:ok | web-1@80' });
  });
});

test('a duplicate service ID is an error on the later file, whose last good stays; it recovers when the clash ends', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const loads$ = cold<FileLoad<Svc>>('(ab)-c-d', {
      a: good('a.yaml', a1),
      b: good('b.yaml', content({ ID: 'db-1', Port: 5432 })),
      c: good('b.yaml', content({ ID: 'db-1', Port: 5433 }, { ID: 'web-1', Port: 9 })), // clashes with a.yaml
      d: good('a.yaml', content({ ID: 'web-9', Port: 90 })), // a.yaml lets go of web-1: b.yaml's pending version applies
    });
    expectObservable(loads$.pipe(keepLastGood<Svc>(['a.yaml', 'b.yaml']), map(view))).toBe('b----c-d', {
      b: 'a.yaml:ok,b.yaml:ok | web-1@80,db-1@5432',
      c: 'a.yaml:ok,b.yaml:degraded | web-1@80,db-1@5432',
      d: 'a.yaml:ok,b.yaml:ok | web-9@90,db-1@5433,web-1@9',
    });
  });
});

test('an earlier file taking over an ID of a later file: the later file is degraded and its copy left out', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const loads$ = cold<FileLoad<Svc>>('(ab)-c-d', {
      a: good('a.yaml', a1),
      b: good('b.yaml', content({ ID: 'db-1', Port: 5432 })),
      c: good('a.yaml', content({ ID: 'web-1', Port: 80 }, { ID: 'db-1', Port: 1 })),
      d: good('a.yaml', a1),
    });
    expectObservable(loads$.pipe(keepLastGood<Svc>(['a.yaml', 'b.yaml']), map(view))).toBe('b----c-d', {
      b: 'a.yaml:ok,b.yaml:ok | web-1@80,db-1@5432',
      c: 'a.yaml:ok,b.yaml:degraded | web-1@80,db-1@1',
      d: 'a.yaml:ok,b.yaml:ok | web-1@80,db-1@5432',
    });
  });
});
