// chainDependencies: exactly the entries the compiler consulted, present or absent. Checked both ways:
// toggling (creating or deleting) any listed entry changes the outcome, toggling any other entry does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainDependencies, chainServices } from '../../../src/pipelines/chain/chain-dependencies.js';
import type { CompiledChain } from '../../../src/pipelines/chain/compiled-chain.js';
import type { ConfigEntry } from '../../../src/sources/config-entries/config-entry.js';
import { compile, entries, entry, http, versions } from './chain-support.js';

const SERVICES = ['web', 'api', 'api2', 'backup', 'canary', 'db', 'other'];
const KINDS = ['service-defaults', 'service-router', 'service-splitter', 'service-resolver', 'service-intentions'];
const UNIVERSE = ['proxy-defaults/global', ...KINDS.flatMap((k) => SERVICES.map((s) => `${k}/${s}`))];

/** An entry to create at `key`, chosen so that a compiler reading it sees a difference. */
function probe(key: string, protocol: string): ConfigEntry {
  const [kind, name] = key.split('/') as [string, string];
  switch (kind) {
    case 'proxy-defaults':
      return entry({ Kind: kind, Name: name, Config: { protocol: protocol === 'grpc' ? 'http' : 'grpc' } });
    case 'service-defaults':
      return entry({ Kind: kind, Name: name, Protocol: protocol === 'grpc' ? 'http' : 'grpc' });
    case 'service-router':
      return entry({ Kind: kind, Name: name, Routes: [{ Match: { HTTP: { PathPrefix: '/probe' } }, Destination: {} }] });
    case 'service-splitter':
      return entry({ Kind: kind, Name: name, Splits: [{ Weight: 100, Service: 'probe' }] });
    case 'service-resolver':
      return entry({ Kind: kind, Name: name, ConnectTimeout: '7s' });
    default:
      return entry({ Kind: kind, Name: name, Sources: [{ Name: 'probe', Action: 'deny' }] });
  }
}

function outcome(service: string, set: ReadonlyMap<string, ConfigEntry>): CompiledChain | string {
  try {
    return compile(service, set);
  } catch (e) {
    return (e as Error).message;
  }
}

function checkExact(service: string, set: Map<string, ConfigEntry>, expectedDeps: string[]): void {
  const chain = compile(service, set);
  assert.deepEqual(chainDependencies(chain), expectedDeps);
  for (const key of UNIVERSE) {
    const toggled = new Map(set);
    if (toggled.has(key)) toggled.delete(key);
    else toggled.set(key, probe(key, chain.protocol));
    const after = outcome(service, toggled);
    if (expectedDeps.includes(key)) assert.notDeepEqual(after, chain, `toggling ${key} (a dependency) changes the chain`);
    else assert.deepEqual(after, chain, `toggling ${key} (not a dependency) does not change the chain`);
  }
}

test('plain tcp service: its defaults, proxy-defaults and its resolver, all absent', () => {
  checkExact('db', entries(), ['proxy-defaults/global', 'service-defaults/db', 'service-resolver/db']);
});

test('http from proxy-defaults: router and splitter of the service are watched although absent', () => {
  checkExact('web', entries({ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } }, { Kind: 'service-intentions', Name: 'web', Sources: [{ Name: 'api', Action: 'allow' }] }), [
    'proxy-defaults/global',
    'service-defaults/web',
    'service-resolver/web',
    'service-router/web',
    'service-splitter/web',
  ]);
});

test('a router, splitters, a redirect and a failover: every consulted entry, and nothing else', () => {
  const set = entries(
    ...['web', 'api', 'api2', 'backup', 'canary', 'other'].map(http),
    { Kind: 'service-router', Name: 'web', Routes: [{ Match: { HTTP: { PathPrefix: '/api' } }, Destination: { Service: 'api' } }] },
    { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 90, ServiceSubset: 'v1' }, { Weight: 10, Service: 'canary' }] },
    { Kind: 'service-splitter', Name: 'canary', Splits: [{ Weight: 50 }, { Weight: 50, Service: 'backup' }] },
    versions('web', { Failover: { '*': { Service: 'backup' } } }),
    { Kind: 'service-resolver', Name: 'api', Redirect: { Service: 'api2' } },
    { Kind: 'service-router', Name: 'other', Routes: [{ Match: { HTTP: { PathPrefix: '/' } }, Destination: { Service: 'web' } }] },
    { Kind: 'service-resolver', Name: 'other', ConnectTimeout: '1s' },
    { Kind: 'service-intentions', Name: 'web', Sources: [{ Name: 'api', Action: 'allow' }] },
  );
  checkExact('web', set, [
    'service-defaults/api',
    'service-defaults/api2',
    'service-defaults/backup',
    'service-defaults/canary',
    'service-defaults/web',
    'service-resolver/api',
    'service-resolver/api2',
    'service-resolver/backup',
    'service-resolver/canary',
    'service-resolver/web',
    'service-router/web',
    'service-splitter/api', // the route goes to api's splitter, were there one (api2 is reached by api's resolver)
    'service-splitter/backup', // canary splits to backup, which could have a splitter to flatten
    'service-splitter/canary',
    'service-splitter/web',
  ]);
  assert.deepEqual(chainServices(compile('web', set)), ['api2', 'backup', 'canary', 'web']);
});
