import { credentials, makeClientConstructor, status as GrpcStatus, type Client, type ServiceError } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { grpcServiceDefinition } from '../../core/grpc-service.js';
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus,
  type HealthCheckResponse,
} from '../../gen/grpc/health/v1/health_pb.js';
import { effectiveTimeoutMs, type GrpcCheckSpec, type ProbeResult } from './check-spec.js';

const HealthClient = makeClientConstructor(grpcServiceDefinition(Health), 'grpc.health.v1.Health');

type CheckMethod = (
  req: unknown,
  options: { deadline: number },
  cb: (err: ServiceError | null, res?: HealthCheckResponse) => void,
) => { cancel(): void };

/** Splits Consul's GRPC target `host:port[/service]`. */
export function splitGrpcTarget(target: string): { address: string; service: string } {
  const slash = target.indexOf('/');
  return slash < 0 ? { address: target, service: '' } : { address: target.slice(0, slash), service: target.slice(slash + 1) };
}

/**
 * Consul's gRPC check: grpc.health.v1.Health/Check for the target's service (empty = the whole server);
 * SERVING is passing, any other status critical; RPC errors reject. A fresh channel per probe (as Consul
 * dials per check run), closed afterwards.
 */
export function grpcProbe(spec: GrpcCheckSpec, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const { address, service } = splitGrpcTarget(spec.grpc);
    const creds = spec.grpcUseTls
      ? credentials.createSsl(null, null, null, spec.tlsSkipVerify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {})
      : credentials.createInsecure();
    const options: Record<string, string> = spec.tlsServerName ? { 'grpc.ssl_target_name_override': spec.tlsServerName } : {};
    const client = new HealthClient(address, creds, options) as unknown as Client & { check: CheckMethod };
    const call = client.check(create(HealthCheckRequestSchema, { service }), { deadline: Date.now() + effectiveTimeoutMs(spec) }, (err, res) => {
      signal.removeEventListener('abort', onAbort);
      client.close();
      if (err) {
        reject(new Error(`${GrpcStatus[err.code] ?? err.code}: ${err.details || err.message}`));
        return;
      }
      const st = res?.status ?? HealthCheckResponse_ServingStatus.UNKNOWN;
      if (st === HealthCheckResponse_ServingStatus.SERVING) resolve({ status: 'passing', output: `gRPC check ${spec.grpc}: success` });
      else resolve({ status: 'critical', output: `gRPC check ${spec.grpc}: failed: serving status ${HealthCheckResponse_ServingStatus[st] ?? st}` });
    });
    const onAbort = (): void => {
      call.cancel();
      client.close();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
