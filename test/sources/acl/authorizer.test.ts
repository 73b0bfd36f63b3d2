import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { parseAclConfig, type AclConfig } from '../../../src/sources/file/acl-config.js';
import { aclState } from '../../../src/sources/acl/acl-state.js';
import { createAclSource } from '../../../src/sources/acl/acl-source.js';
import { nodeAccess, proxylessTargetService } from '../../../src/sources/acl/node-access.js';
import { tokenFromHttp, tokenFromMetadata } from '../../../src/sources/acl/request-token.js';
import { findDigest, hashSecret } from '../../../src/sources/acl/token-hash.js';
import type { ServiceRecord } from '../../../src/sources/store/catalog-state.js';

function config(raw: unknown): AclConfig {
  const r = parseAclConfig(raw);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

const DENY = config({
  default_policy: 'deny',
  tokens: [
    { SecretID: 'web-secret', Description: 'web', Policies: [{ Service: 'web', Access: 'write' }] },
    { SecretID: 'reader', AccessorID: 'acc-reader', Policies: [{ Service: 'api', Access: 'read' }] },
    { SecretID: 'op-read', Policies: [{ Operator: 'read' }] },
    { SecretID: 'op-write', Policies: [{ Operator: 'write' }] },
  ],
});

test('deny: anonymous and unknown tokens may do nothing; they are not authenticated', () => {
  const s = aclState(DENY);
  for (const secret of [undefined, '', 'nope']) {
    const a = s.authorize(secret);
    assert.equal(a.authenticated, false);
    assert.equal(a.serviceRead('web'), false);
    assert.equal(a.operatorRead(), false);
  }
  assert.match(s.authorize(undefined).refusal!, /anonymous/);
  assert.match(s.authorize('nope').refusal!, /ACL not found/);
  assert.equal(s.resolveToken('nope'), undefined);
});

test('a service write token covers the service and its sidecar identity, nothing else', () => {
  const web = aclState(DENY).authorize('web-secret');
  assert.equal(web.authenticated, true);
  assert.equal(web.label, 'token "web"');
  for (const n of ['web', 'web-sidecar-proxy']) {
    assert.equal(web.serviceWrite(n), true, n);
    assert.equal(web.serviceRead(n), true, n);
  }
  for (const n of ['api', 'api-sidecar-proxy', 'webx', 'web-other']) {
    assert.equal(web.serviceRead(n), false, n);
    assert.equal(web.serviceWrite(n), false, n);
  }
  assert.equal(web.operatorRead(), false);
  assert.equal(web.readsEverything, false);
});

test('read grants read only; operator read reads everything; operator write does everything', () => {
  const s = aclState(DENY);
  const reader = s.authorize('reader');
  assert.equal(reader.label, 'acc-reader');
  assert.deepEqual([reader.serviceRead('api'), reader.serviceWrite('api')], [true, false]);
  const opRead = s.authorize('op-read');
  assert.deepEqual([opRead.serviceRead('x'), opRead.serviceWrite('x'), opRead.operatorRead(), opRead.operatorWrite(), opRead.readsEverything], [true, false, true, false, true]);
  const opWrite = s.authorize('op-write');
  assert.deepEqual([opWrite.serviceWrite('x'), opWrite.operatorWrite()], [true, true]);
});

test('allow: anonymous may do everything; an explicit rule still wins for its service', () => {
  const s = aclState(config({ default_policy: 'allow', tokens: [{ SecretID: 'ro', Policies: [{ Service: 'api', Access: 'read' }] }] }));
  const anon = s.authorize(undefined);
  assert.deepEqual([anon.authenticated, anon.serviceWrite('x'), anon.operatorWrite()], [true, true, true]);
  assert.equal(s.authorize('unknown').serviceWrite('x'), true, 'an unknown token is anonymous under allow');
  const ro = s.authorize('ro');
  assert.deepEqual([ro.serviceRead('api'), ro.serviceWrite('api'), ro.serviceWrite('web')], [true, false, true]);
});

test('no acl section: everything allowed, tokens ignored', () => {
  const s = aclState(undefined);
  assert.equal(s.enabled, false);
  assert.equal(s.authorize('anything').operatorWrite(), true);
});

test('the state keeps digests, not secrets; lookup compares every digest', () => {
  const digests = ['a', 'b', 'c'].map(hashSecret);
  assert.equal(findDigest(digests, hashSecret('b')), 1);
  assert.equal(findDigest(digests, hashSecret('d')), -1);
  const s = aclState(DENY);
  assert.doesNotMatch(JSON.stringify(s), /web-secret/);
});

test('the source refuses everything until the config arrives, then follows it', () => {
  const config$ = new Subject<AclConfig | undefined>();
  const acl = createAclSource(config$);
  assert.equal(acl.authorize('web-secret').authenticated, false);
  assert.match(acl.authorize('web-secret').refusal!, /not loaded/);
  config$.next(DENY);
  assert.equal(acl.authorize('web-secret').serviceWrite('web'), true);
  config$.next(config({ default_policy: 'deny', tokens: [] }));
  assert.equal(acl.authorize('web-secret').authenticated, false, 'a removed token is revoked');
  acl.stop();
});

test('tokens: X-Consul-Token, then Authorization: Bearer, then ?token=; gRPC metadata likewise', () => {
  const q = (s: string) => new URLSearchParams(s);
  assert.equal(tokenFromHttp({ 'x-consul-token': 'a', authorization: 'Bearer b' }, q('token=c')), 'a');
  assert.equal(tokenFromHttp({ authorization: 'Bearer b' }, q('token=c')), 'b');
  assert.equal(tokenFromHttp({ authorization: 'Basic Zm9v' }, q('token=c')), 'c');
  assert.equal(tokenFromHttp({}, q('')), undefined);
  const md = (m: Record<string, string>) => ({ get: (k: string) => (m[k] === undefined ? [] : [m[k]!]) });
  assert.equal(tokenFromMetadata(md({ 'x-consul-token': 'a', authorization: 'Bearer b' })), 'a');
  assert.equal(tokenFromMetadata(md({ authorization: 'bearer b' })), 'b');
  assert.equal(tokenFromMetadata(md({})), undefined);
});

const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const proxy = (id: string, service: string, dest: string): ServiceRecord =>
  ({ ID: id, Service: service, Kind: 'connect-proxy', Proxy: { DestinationServiceName: dest } }) as unknown as ServiceRecord;

test('xDS nodes: sidecars need write on their service; proxyless clients read on their targets', () => {
  const s = aclState(DENY);
  const web = s.authorize('web-secret');
  const webProxy = proxy('web-sidecar-1', 'web-sidecar-proxy', 'web');
  const apiProxy = proxy('api-sidecar-1', 'api-sidecar-proxy', 'api');
  assert.equal(nodeAccess(web, 'web-sidecar-1', webProxy), undefined);
  assert.match(nodeAccess(web, 'api-sidecar-1', apiProxy)!, /proxy of service "api"/);
  assert.match(nodeAccess(s.authorize('reader'), 'api-sidecar-1', apiProxy)!, /needs service write/);
  assert.match(nodeAccess(s.authorize('op-read'), 'api-sidecar-1', apiProxy)!, /needs service write/, 'operator read gets no private keys');
  assert.equal(nodeAccess(s.authorize('op-write'), 'api-sidecar-1', apiProxy), undefined);
  assert.match(nodeAccess(s.authorize(undefined), 'x', undefined)!, /anonymous/);
  // A proxy named like a sidecar of web but whose destination is api is refused too.
  assert.match(nodeAccess(web, 'p', proxy('p', 'web-sidecar-proxy', 'api'))!, /service "api"/);

  const subs = (names: readonly string[] | '*') => new Map([[LDS, names]]);
  assert.equal(nodeAccess(web, 'client', undefined), undefined, 'before its first request');
  assert.equal(nodeAccess(web, 'client', undefined, subs(['web', 'web:50051'])), undefined);
  assert.match(nodeAccess(web, 'client', undefined, subs(['web', 'api']))!, /may not read service "api"/);
  assert.match(nodeAccess(web, 'client', undefined, subs('*'))!, /every listener/);
  assert.match(nodeAccess(web, 'client', undefined, subs(['grpc/server?x=1']))!, /operator read/);
  assert.equal(nodeAccess(s.authorize('op-read'), 'client', undefined, subs('*')), undefined);
  assert.deepEqual(['a', 'a:80', 'a:b', 'x/y'].map(proxylessTargetService), ['a', 'a', undefined, undefined]);
});
