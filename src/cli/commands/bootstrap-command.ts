import { Command } from 'commander';
import { envoyBootstrap, DEFAULT_ADMIN_BIND, DEFAULT_GRPC_ADDR } from '../bootstrap-envoy.js';
import { grpcBootstrap } from '../bootstrap-grpc.js';
import { call, clientFor, printJson, type ClientFlags, type CliIo } from './client-options.js';
import { CliError } from './cli-error.js';
import { UsageError } from '../address.js';
import { DEFAULT_HTTP_ADDR } from '../http-client.js';

interface AgentService {
  readonly ID: string;
  readonly Kind?: string;
  readonly Service: string;
  readonly Proxy?: { readonly DestinationServiceName?: string };
}

interface TlsFlags {
  readonly tlsCaFile?: string;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
}

function tlsOf(flags: TlsFlags): { tls: { caFile: string; certFile?: string; keyFile?: string } } | Record<string, never> {
  if (!flags.tlsCaFile) {
    if (flags.tlsCertFile || flags.tlsKeyFile) throw new UsageError('--tls-cert-file/--tls-key-file need --tls-ca-file too');
    return {};
  }
  if (Boolean(flags.tlsCertFile) !== Boolean(flags.tlsKeyFile)) throw new UsageError('--tls-cert-file and --tls-key-file go together');
  return { tls: { caFile: flags.tlsCaFile, ...(flags.tlsCertFile ? { certFile: flags.tlsCertFile, keyFile: flags.tlsKeyFile! } : {}) } };
}

function withTlsOptions(cmd: Command): Command {
  return cmd
    .option('--tls-ca-file <file>', 'rxds serves xDS over TLS (--grpc-tls-*): the CA that signed its certificate')
    .option('--tls-cert-file <file>', 'client certificate, when rxds requires mTLS (--grpc-tls-ca)')
    .option('--tls-key-file <file>', 'private key of --tls-cert-file');
}

/** `rxds bootstrap envoy|grpc`: the JSON a data plane needs to reach rxds's xDS server. */
export function bootstrapCommand(io: CliIo): Command {
  const envoy = withTlsOptions(new Command('envoy'))
    .description('print an Envoy bootstrap for a registered connect-proxy (looks it up through --http-addr)')
    .requiredOption('--proxy-id <id>', 'ID of the registered connect-proxy service (node.id)')
    .option('--grpc-addr <host:port>', 'rxds xDS address', DEFAULT_GRPC_ADDR)
    .option('--admin-bind <host:port>', "Envoy's admin listener", DEFAULT_ADMIN_BIND)
    .option('--http-addr <host:port>', `rxds HTTP API address (default: $RXDS_HTTP_ADDR, $CONSUL_HTTP_ADDR or ${DEFAULT_HTTP_ADDR})`)
    .option('--token <token>', 'ACL token: used for the lookup and sent by Envoy as x-consul-token (default: $RXDS_TOKEN or $CONSUL_HTTP_TOKEN)')
    .action(async (flags: ClientFlags & TlsFlags & { proxyId: string; grpcAddr: string; adminBind: string }) => {
      const client = clientFor({ ...flags, format: 'json' }, io);
      const services = (await call(client, 'GET', '/v1/agent/services')).body as Record<string, AgentService>;
      const proxy = services[flags.proxyId];
      if (!proxy) throw new CliError(`no service with ID ${JSON.stringify(flags.proxyId)} is registered (see rxds services)`, 1);
      if (proxy.Kind !== 'connect-proxy') {
        throw new CliError(`${flags.proxyId} is not a connect-proxy (Kind ${JSON.stringify(proxy.Kind ?? '')}); register its sidecar, e.g. Connect.SidecarService`, 1);
      }
      const token = flags.token ?? io.env['RXDS_TOKEN'] ?? io.env['CONSUL_HTTP_TOKEN'];
      printJson(
        io,
        envoyBootstrap({
          proxyId: flags.proxyId,
          cluster: proxy.Proxy?.DestinationServiceName || proxy.Service,
          grpcAddr: flags.grpcAddr,
          adminBind: flags.adminBind,
          ...(token ? { token } : {}),
          ...tlsOf(flags),
        }),
      );
    });
  const grpc = withTlsOptions(new Command('grpc'))
    .description('print a GRPC_XDS_BOOTSTRAP file for a proxyless gRPC client (dial xds:///<service>)')
    .requiredOption('--node-id <id>', 'node.id the client reports (any name)')
    .option('--grpc-addr <host:port>', 'rxds xDS address', DEFAULT_GRPC_ADDR)
    .option('--server', 'also configure an xDS-enabled gRPC server (XdsServer): its listener name template')
    .option('--mtls-cert-file <file>', "mesh mTLS: this workload's leaf certificate (GET /v1/agent/connect/ca/leaf/:service)")
    .option('--mtls-key-file <file>', 'mesh mTLS: its private key')
    .option('--mtls-ca-file <file>', 'mesh mTLS: the mesh roots (GET /v1/connect/ca/roots)')
    .action((flags: TlsFlags & { nodeId: string; grpcAddr: string; server?: boolean; mtlsCertFile?: string; mtlsKeyFile?: string; mtlsCaFile?: string }) => {
      const mtlsFiles = [flags.mtlsCertFile, flags.mtlsKeyFile, flags.mtlsCaFile];
      if (mtlsFiles.some(Boolean) && !mtlsFiles.every(Boolean)) {
        throw new UsageError('--mtls-cert-file, --mtls-key-file and --mtls-ca-file go together');
      }
      const mtls = flags.mtlsCertFile && flags.mtlsKeyFile && flags.mtlsCaFile ? { certFile: flags.mtlsCertFile, keyFile: flags.mtlsKeyFile, caFile: flags.mtlsCaFile } : undefined;
      printJson(io, grpcBootstrap({ nodeId: flags.nodeId, grpcAddr: flags.grpcAddr, ...tlsOf(flags), ...(mtls ? { mtls } : {}), ...(flags.server ? { server: true } : {}) }));
    });
  return new Command('bootstrap').description('print the bootstrap configuration of a data plane').addCommand(envoy).addCommand(grpc);
}
