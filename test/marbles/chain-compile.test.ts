// compiledChain$: recompiles a chain as config entries change and emits only when the chain really changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { map } from 'rxjs';
import { compiledChain$ } from '../../src/pipelines/chain/compiled-chain-stream.js';
import type { CompiledChain } from '../../src/pipelines/chain/compiled-chain.js';
import { configEntryKey, type ConfigEntry } from '../../src/sources/config-entries/config-entry.js';
import { entry, leadsTo } from '../pipelines/chain/chain-support.js';

const scheduler = () => new TestScheduler((a, e) => assert.deepEqual(a, e));
type Entries = ReadonlyMap<string, ConfigEntry>;

/** A set of entries built from raw ones (each call makes fresh objects, as a re-read store would). */
const set = (...raw: Record<string, unknown>[]): Entries =>
  new Map(raw.map((r) => entry(r)).map((e) => [configEntryKey(e.Kind, e.Name), e] as const));

/** A compact view of a chain: protocol, then where the start node leads. */
const view = (c: CompiledChain): string => `${c.protocol}: ${leadsTo(c, c.startNode).join(', ')}`;

const HTTP = { Kind: 'service-defaults', Name: 'web', Protocol: 'http' };
const RESOLVER = { Kind: 'service-resolver', Name: 'web', Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } } };
const SPLIT_90 = { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 90, ServiceSubset: 'v1' }, { Weight: 10, ServiceSubset: 'v2' }] };
const SPLIT_50 = { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 50, ServiceSubset: 'v1' }, { Weight: 50, ServiceSubset: 'v2' }] };
const OTHER = (port: number) => ({ Kind: 'service-resolver', Name: 'other', ConnectTimeout: `${port}ms` });
const INTENTIONS = { Kind: 'service-intentions', Name: 'web', Sources: [{ Name: 'api', Action: 'allow' }] };

test('emits the first chain, then only real changes: unrelated entries and equal content do not emit', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const entries$ = cold<Entries>('a-b-c-d-e-f-g', {
      a: set(HTTP, RESOLVER),
      b: set(HTTP, RESOLVER, OTHER(100)), // an entry the chain does not depend on
      c: set(HTTP, RESOLVER, OTHER(200), INTENTIONS), // it changes again; intentions are not part of the chain
      d: set(HTTP, RESOLVER, SPLIT_90), // a splitter appears: new chain
      e: set(HTTP, RESOLVER, SPLIT_90), // the same entries as fresh objects: same chain
      f: set(HTTP, RESOLVER, SPLIT_50),
      g: set(RESOLVER, SPLIT_50), // tcp now: the splitter no longer applies
    });
    expectObservable(compiledChain$('web', entries$, { trustDomain: 'rxds.local' }).pipe(map(view))).toBe('a-----d---f-g', {
      a: 'http: web.default.default.dc1',
      d: 'http: 90% v1.web.default.default.dc1, 10% v2.web.default.default.dc1',
      f: 'http: 50% v1.web.default.default.dc1, 50% v2.web.default.default.dc1',
      g: 'tcp: web.default.default.dc1',
    });
  });
});

test('a change to a dependency that gives the same chain does not emit', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const entries$ = cold<Entries>('a-b-c', {
      a: set(HTTP, RESOLVER),
      b: set(HTTP, { ...RESOLVER, Meta: { owner: 'team-a' } }), // the resolver changed, but not in anything the chain carries
      c: set(HTTP, { ...RESOLVER, ConnectTimeout: '2s' }),
    });
    expectObservable(compiledChain$('web', entries$, { trustDomain: 'rxds.local' }).pipe(map((c) => c.targets['web.default.default.dc1']!.connectTimeoutMs))).toBe('a---c', {
      a: 5000,
      c: 2000,
    });
  });
});

test('a chain that does not compile keeps the previous one in force and is reported; the fix emits again', () => {
  const errors: string[] = [];
  scheduler().run(({ cold, expectObservable }) => {
    const loop = [{ Kind: 'service-resolver', Name: 'web', Redirect: { Service: 'a' } }, { Kind: 'service-resolver', Name: 'a', Redirect: { Service: 'web' } }, { ...HTTP, Name: 'a' }];
    const entries$ = cold<Entries>('a-x-y-b-c|', {
      a: set(HTTP, RESOLVER, SPLIT_90),
      x: set(HTTP, ...loop), // redirect loop
      y: set(HTTP, ...loop, OTHER(1)), // still broken
      b: set(HTTP, RESOLVER, SPLIT_90), // fixed, and the same chain as before: nothing to send
      c: set(HTTP, RESOLVER, SPLIT_50),
    });
    const chains$ = compiledChain$('web', entries$, { trustDomain: 'rxds.local', onError: (e) => errors.push(`${(e as Error).name}: ${(e as Error).message}`) });
    expectObservable(chains$.pipe(map(view))).toBe('a-------c|', {
      a: 'http: 90% v1.web.default.default.dc1, 10% v2.web.default.default.dc1',
      c: 'http: 50% v1.web.default.default.dc1, 50% v2.web.default.default.dc1',
    });
  });
  assert.equal(errors.length, 2);
  assert.match(errors[0]!, /^ChainError: discovery chain "web": .*circular resolver redirect/);
});

test('nothing is emitted until a first chain compiles', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const entries$ = cold<Entries>('x-a', {
      x: set(HTTP, { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 100, ServiceSubset: 'v9' }] }),
      a: set(HTTP),
    });
    expectObservable(compiledChain$('web', entries$, { trustDomain: 'rxds.local' }).pipe(map(view))).toBe('--a', { a: 'http: web.default.default.dc1' });
  });
});

test('errors and completion of the entries pass through; unsubscribing unsubscribes from the entries', () => {
  scheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
    const failing = cold<Entries>('a-#', { a: set() }, new Error('store closed'));
    expectObservable(compiledChain$('db', failing, { trustDomain: 'rxds.local' }).pipe(map(view))).toBe('a-#', { a: 'tcp: db.default.default.dc1' }, new Error('store closed'));
    const endless = hot<Entries>('a---b', { a: set(), b: set({ Kind: 'service-defaults', Name: 'db', Protocol: 'http' }) });
    expectObservable(compiledChain$('db', endless, { trustDomain: 'rxds.local' }).pipe(map(view)), '^--!').toBe('a', { a: 'tcp: db.default.default.dc1' });
    expectSubscriptions(endless.subscriptions).toBe('^--!');
  });
});
