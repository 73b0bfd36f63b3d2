// Builders for the xDS sink's marble tests: resources, snapshots, requests, and a compact text form
// of responses so that expected marbles read like the protocol ("CDS a,b #1").
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { NEVER, map, merge, timer, type Observable, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ClusterSchema, Cluster_DiscoveryType } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { NodeSchema } from '../../../src/gen/envoy/config/core/v3/base_pb.js';
import { ClusterLoadAssignmentSchema } from '../../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../../src/gen/envoy/config/route/v3/route_pb.js';
import { SecretSchema } from '../../../src/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { HttpConnectionManagerSchema } from '../../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import {
  DeltaDiscoveryRequestSchema,
  DiscoveryRequestSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { ResourceEncoder, type Resource } from '../../../src/core/resource.js';
import { snapshotOf, type Snapshot } from '../../../src/core/snapshot.js';
import { SHORT_TYPE_NAME, TypeUrl } from '../../../src/core/type-urls.js';

export const CDS = TypeUrl.Cluster;
export const EDS = TypeUrl.ClusterLoadAssignment;
export const LDS = TypeUrl.Listener;
export const RDS = TypeUrl.RouteConfiguration;
export const SDS = TypeUrl.Secret;

const encoder = new ResourceEncoder();

/** An EDS cluster; `v` changes its content (and so its version). */
export const cluster = (name: string, v = 0): Resource =>
  remember(encoder.encode(
    create(ClusterSchema, {
      name,
      clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
      edsClusterConfig: {},
      connectTimeout: { seconds: BigInt(1 + v) },
    }),
  ), v);

export const endpoints = (clusterName: string, v = 0): Resource =>
  remember(encoder.encode(create(ClusterLoadAssignmentSchema, { clusterName, policy: { overprovisioningFactor: 100 + v } })), v);

/** A listener whose HTTP connection manager loads route configuration `route` over RDS. */
export const listener = (name: string, route: string, v = 0): Resource => {
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: `${name}-${v}`,
    routeSpecifier: { case: 'rds', value: { routeConfigName: route } },
  });
  return remember(encoder.encode(create(ListenerSchema, { name, apiListener: { apiListener: anyPack(HttpConnectionManagerSchema, hcm) } })), v);
};

export const routes = (name: string, v = 0): Resource =>
  remember(encoder.encode(create(RouteConfigurationSchema, { name, virtualHosts: [{ name: `vh-${v}`, domains: ['*'] }] })), v);

export const secret = (name: string, v = 0): Resource =>
  remember(
    encoder.encode(create(SecretSchema, { name, type: { case: 'genericSecret', value: { secret: { specifier: { case: 'inlineString', value: `s${v}` } } } } })),
    v,
  );

export const snap = (...resources: Resource[]): Snapshot => snapshotOf(resources);

export const node = create(NodeSchema, { id: 'n1', cluster: 'test' });

/** A SotW request: `nonce` '' for a first request; `error` makes it a NACK. */
export function req(
  typeUrl: string,
  names: string[] = [],
  opts: { nonce?: string; version?: string; error?: string } = {},
): DiscoveryRequest {
  return create(DiscoveryRequestSchema, {
    typeUrl,
    resourceNames: names,
    responseNonce: opts.nonce ?? '',
    versionInfo: opts.version ?? '',
    ...(opts.nonce === undefined ? { node } : {}),
    ...(opts.error !== undefined ? { errorDetail: { code: 3, message: opts.error } } : {}),
  });
}

export function dreq(
  typeUrl: string,
  opts: { sub?: string[]; unsub?: string[]; nonce?: string; error?: string; initial?: Record<string, string> } = {},
): DeltaDiscoveryRequest {
  return create(DeltaDiscoveryRequestSchema, {
    typeUrl,
    resourceNamesSubscribe: opts.sub ?? [],
    resourceNamesUnsubscribe: opts.unsub ?? [],
    responseNonce: opts.nonce ?? '',
    initialResourceVersions: opts.initial ?? {},
    ...(opts.error !== undefined ? { errorDetail: { code: 3, message: opts.error } } : {}),
  });
}

const short = (typeUrl: string) => SHORT_TYPE_NAME[typeUrl as TypeUrl] ?? typeUrl;

/** Labels of fixture encodings: the name, and a ' per content revision ("a", "a'", "a''"). */
const labels = new Map<Uint8Array, string>();
function remember(r: Resource, v: number): Resource {
  labels.set(r.body, `${r.name}${"'".repeat(v)}`);
  return r;
}
function labelOf(value: Uint8Array): string {
  const direct = labels.get(value);
  if (direct) return direct;
  for (const [body, label] of labels) if (body.length === value.length && body.every((x, i) => x === value[i])) return label;
  return '?';
}

/** "CDS a,b' #3": type, resource names (a ' per content revision), nonce. */
export function sotwText(r: DiscoveryResponse): string {
  const names = r.resources.map((a) => labelOf(a.value)).sort();
  return [short(r.typeUrl), ...(names.length ? [names.join(',')] : []), `#${r.nonce}`].join(' ');
}

/** "CDS +a,b' -c #3": type, upserted names, removed names, nonce. */
export function deltaText(r: DeltaDiscoveryResponse): string {
  const up = r.resources.map((x) => labelOf(x.resource!.value)).sort();
  const parts = [short(r.typeUrl)];
  if (up.length) parts.push(`+${up.join(',')}`);
  if (r.removedResources.length) parts.push(`-${[...r.removedResources].sort().join(',')}`);
  parts.push(`#${r.nonce}`);
  return parts.join(' ');
}

export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
}

/**
 * Values at absolute virtual times (ms), for scenarios too long for a marble string. Never completes
 * (a completed request stream would be a client that ended its stream).
 */
export function at<T>(events: ReadonlyArray<readonly [number, T]>, scheduler: SchedulerLike): Observable<T> {
  return merge(NEVER, ...events.map(([ms, v]) => timer(ms, scheduler).pipe(map(() => v))));
}

/** Records "frame: text" for every value, to compare with a list after the run. */
export function record<T>(source: Observable<T>, scheduler: SchedulerLike, text: (v: T) => string): string[] {
  const seen: string[] = [];
  source.subscribe((v) => seen.push(`${scheduler.now()}: ${text(v)}`));
  return seen;
}
