// PGV gate figures: the one-time cost of compiling the rule plans, and validations per second of
// each resource of a representative sidecar configuration (HCM and TLS unpacked from their Anys).
import { performance } from 'node:perf_hooks';
import { ResourceEncoder, type Resource } from '../src/core/resource.js';
import { checkResource } from '../src/pipelines/validate/check-resource.js';
import {
  apiListener,
  edsCluster,
  loadAssignment,
  publicListener,
  routeConfiguration,
  secret,
  upstreamListener,
} from '../test/pipelines/validate/envoy-fixtures.js';

export const name = 'PGV gate: validate generated Envoy resources';

const ITERATIONS = 2000;

export async function run(): Promise<Record<string, number | string>> {
  const enc = new ResourceEncoder();
  const resources: [string, Resource][] = [
    ['Listener (upstream, HCM + router)', enc.encode(upstreamListener())],
    ['Listener (public, RBAC + tcp_proxy + TLS)', enc.encode(publicListener())],
    ['Listener (proxyless API listener)', enc.encode(apiListener())],
    ['Cluster (EDS, TLS, protocol options)', enc.encode(edsCluster())],
    ['ClusterLoadAssignment (2 endpoints)', enc.encode(loadAssignment())],
    ['RouteConfiguration (2 routes, split)', enc.encode(routeConfiguration())],
    ['Secret', enc.encode(secret())],
  ];
  const figures: Record<string, number | string> = {};
  const t0 = performance.now();
  for (const [, r] of resources) {
    const v = checkResource(r);
    if (v.length > 0) throw new Error(`fixture not valid: ${JSON.stringify(v)}`);
  }
  figures['first pass over all kinds, plans compiled (ms)'] = performance.now() - t0;
  for (const [label, r] of resources) {
    for (let i = 0; i < 200; i++) checkResource(r); // warm-up
    const start = performance.now();
    for (let i = 0; i < ITERATIONS; i++) checkResource(r);
    const ms = performance.now() - start;
    figures[`${label} (validations/s)`] = Math.round((ITERATIONS / ms) * 1000);
  }
  return figures;
}
