import type { DescService } from '@bufbuild/protobuf';
import type { MethodDefinition, ServerDuplexStream, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { grpcServiceDefinition } from '../../core/grpc-service.js';
import { ClusterDiscoveryService } from '../../gen/envoy/service/cluster/v3/cds_pb.js';
import { AggregatedDiscoveryService } from '../../gen/envoy/service/discovery/v3/ads_pb.js';
import {
  DeltaDiscoveryRequestSchema,
  DeltaDiscoveryResponseSchema,
  DiscoveryRequestSchema,
  DiscoveryResponseSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import { EndpointDiscoveryService } from '../../gen/envoy/service/endpoint/v3/eds_pb.js';
import { ListenerDiscoveryService } from '../../gen/envoy/service/listener/v3/lds_pb.js';
import { RouteDiscoveryService } from '../../gen/envoy/service/route/v3/rds_pb.js';
import { SecretDiscoveryService } from '../../gen/envoy/service/secret/v3/sds_pb.js';
import { TypeUrl } from '../../core/type-urls.js';
import { deltaMachine } from './delta-state.js';
import { serveFetch } from './fetch-handler.js';
import type { ResponseSerializers } from './response-encoding.js';
import { sotwMachine } from './sotw-state.js';
import { serveStream } from './stream-driver.js';
import type { XdsContext } from './xds-context.js';

/** The discovery services rxds serves: ADS (all types) and one service per type. */
export const DISCOVERY_SERVICES: ReadonlyArray<{ readonly service: DescService; readonly typeUrl?: string }> = [
  { service: AggregatedDiscoveryService },
  { service: ClusterDiscoveryService, typeUrl: TypeUrl.Cluster },
  { service: EndpointDiscoveryService, typeUrl: TypeUrl.ClusterLoadAssignment },
  { service: ListenerDiscoveryService, typeUrl: TypeUrl.Listener },
  { service: RouteDiscoveryService, typeUrl: TypeUrl.RouteConfiguration },
  { service: SecretDiscoveryService, typeUrl: TypeUrl.Secret },
];

/**
 * The grpc-js definition of a discovery service, with responses encoded from the resources' cached
 * encodings (see response-encoding) instead of re-encoding every resource for every stream.
 */
export function discoveryDefinition(service: DescService, serializers: ResponseSerializers): ServiceDefinition {
  const def = { ...grpcServiceDefinition(service) } as Record<string, MethodDefinition<unknown, unknown>>;
  for (const method of service.methods) {
    const m = def[method.localName];
    if (!m) continue;
    if (method.output.typeName === DiscoveryResponseSchema.typeName) {
      def[method.localName] = { ...m, responseSerialize: (r: unknown) => serializers.sotw(r as DiscoveryResponse) };
    } else if (method.output.typeName === DeltaDiscoveryResponseSchema.typeName) {
      def[method.localName] = { ...m, responseSerialize: (r: unknown) => serializers.delta(r as DeltaDiscoveryResponse) };
    }
  }
  return def as ServiceDefinition;
}

/**
 * The grpc-js implementation of one discovery service, by method shape: a bidi stream of
 * DiscoveryRequest is SotW, of DeltaDiscoveryRequest is Delta, a unary method is Fetch.
 */
export function discoveryImplementation(ctx: XdsContext, service: DescService, typeUrl?: string): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  // A machine is pure (the state is passed in and out): one per service serves all its streams, so an
  // idle stream carries no machine of its own.
  const sotw = sotwMachine(ctx.machineConfig(typeUrl));
  const delta = deltaMachine(ctx.machineConfig(typeUrl));
  for (const method of service.methods) {
    if (method.methodKind === 'bidi_streaming' && method.input.typeName === DiscoveryRequestSchema.typeName) {
      impl[method.localName] = (call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) =>
        guard(ctx, () => serveStream(ctx, call, 'sotw', typeUrl, sotw));
    } else if (method.methodKind === 'bidi_streaming' && method.input.typeName === DeltaDiscoveryRequestSchema.typeName) {
      impl[method.localName] = (call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) =>
        guard(ctx, () => serveStream(ctx, call, 'delta', typeUrl, delta));
    } else if (method.methodKind === 'unary' && typeUrl !== undefined) {
      impl[method.localName] = (call: Parameters<typeof serveFetch>[2], callback: Parameters<typeof serveFetch>[3]) =>
        guard(ctx, () => serveFetch(ctx, typeUrl, call, callback));
    }
  }
  return impl;
}

/** Nothing may throw out of a grpc-js handler: a bug ends (at most) its own call, logged. */
function guard(ctx: XdsContext, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    ctx.logger.error({ err: String((err as Error)?.stack ?? err) }, 'xDS handler failed');
  }
}
