import { create } from '@bufbuild/protobuf';
import { status, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import {
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from '../../gen/grpc/health/v1/health_pb.js';

/**
 * grpc.health.v1.Health: SERVING for "" (the server) and for every service it serves, until the
 * server closes (then NOT_SERVING, and watchers are ended). Unknown names: NOT_FOUND for Check,
 * SERVICE_UNKNOWN for Watch, as the health checking protocol specifies.
 */
export class HealthService {
  private readonly watchers = new Set<ServerWritableStream<HealthCheckRequest, HealthCheckResponse>>();
  private serving = true;

  constructor(private readonly services: ReadonlySet<string>) {}

  implementation(): UntypedServiceImplementation {
    return {
      check: (call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) => {
        const s = this.statusOf(call.request.service);
        if (s === ServingStatus.SERVICE_UNKNOWN) callback({ code: status.NOT_FOUND, details: `unknown service ${call.request.service}` });
        else callback(null, create(HealthCheckResponseSchema, { status: s }));
      },
      watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        this.watchers.add(call);
        const forget = () => this.watchers.delete(call);
        call.on('cancelled', forget);
        call.on('close', forget);
        call.on('error', forget);
        call.write(create(HealthCheckResponseSchema, { status: this.statusOf(call.request.service) }));
      },
    };
  }

  /** Stops serving: watchers hear NOT_SERVING and their streams end. */
  shutdown(): void {
    this.serving = false;
    for (const w of this.watchers) {
      try {
        if (this.services.has(w.request.service) || w.request.service === '') {
          w.write(create(HealthCheckResponseSchema, { status: ServingStatus.NOT_SERVING }));
        }
        w.end();
      } catch {
        // already gone
      }
    }
    this.watchers.clear();
  }

  private statusOf(service: string): ServingStatus {
    if (service !== '' && !this.services.has(service)) return ServingStatus.SERVICE_UNKNOWN;
    return this.serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }
}
