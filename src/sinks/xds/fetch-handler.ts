import { create } from '@bufbuild/protobuf';
import { status, type Metadata, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { firstValueFrom, timeout } from 'rxjs';
import {
  DiscoveryResponseSchema,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Resource } from '../../core/resource.js';
import { setVersion } from './set-version.js';
import type { XdsContext } from './xds-context.js';
import { XdsError } from './xds-error.js';

/**
 * The unary Fetch* methods (REST-like xDS): the client's current resources of one type, once.
 * An empty name list or `*` means all of them. Refusals and failures are gRPC errors of this call.
 */
export function serveFetch(
  ctx: XdsContext,
  typeUrl: string,
  call: ServerUnaryCall<DiscoveryRequest, DiscoveryResponse>,
  callback: sendUnaryData<DiscoveryResponse>,
): void {
  fetchOnce(ctx, typeUrl, call).then(
    (response) => callback(null, response),
    (err: unknown) => {
      const e = err instanceof XdsError ? err : new XdsError(status.UNAVAILABLE, `fetch failed: ${String((err as Error)?.message ?? err)}`);
      if (!(err instanceof XdsError)) ctx.logger.error({ typeUrl, err: e.message }, 'xDS fetch failed');
      callback({ code: e.code, details: e.message });
    },
  );
}

async function fetchOnce(
  ctx: XdsContext,
  typeUrl: string,
  call: ServerUnaryCall<DiscoveryRequest, DiscoveryResponse>,
): Promise<DiscoveryResponse> {
  const req = call.request;
  if (req.typeUrl !== '' && req.typeUrl !== typeUrl) {
    throw new XdsError(status.INVALID_ARGUMENT, `this service serves ${typeUrl}, not ${req.typeUrl}`);
  }
  if (!req.node) throw new XdsError(status.INVALID_ARGUMENT, 'a fetch request must carry node');
  if (req.resourceNames.length > ctx.maxNames) {
    throw new XdsError(status.INVALID_ARGUMENT, `a request may name at most ${ctx.maxNames} resources`);
  }
  const info = { streamId: ctx.nextStreamId(), kind: 'sotw' as const, typeUrl, metadata: call.metadata as Metadata, peer: call.getPeer() };
  try {
    await ctx.authorize?.(req.node, info);
  } catch (err) {
    throw err instanceof XdsError ? err : new XdsError(status.PERMISSION_DENIED, String((err as Error)?.message ?? err));
  }
  const snapshot = await firstValueFrom(
    ctx.snapshots(req.node, info).pipe(timeout({ first: ctx.fetchTimeoutMs, scheduler: ctx.scheduler })),
  );
  const all = snapshot.get(typeUrl) ?? new Map<string, Resource>();
  const wildcard = req.resourceNames.length === 0 || req.resourceNames.includes('*');
  const picked: Resource[] = [];
  if (wildcard) for (const r of all.values()) picked.push(r);
  else for (const n of new Set(req.resourceNames)) { const r = all.get(n); if (r) picked.push(r); }
  const resources = picked.filter((r) => r.typeUrl === typeUrl);
  return create(DiscoveryResponseSchema, {
    versionInfo: setVersion(resources.map((r) => [r.name, r.version] as const)),
    typeUrl,
    resources: resources.map((r) => ctx.framer.any(r)),
  });
}
