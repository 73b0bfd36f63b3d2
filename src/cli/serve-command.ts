import { Command, Option } from 'commander';
import { createLogger } from '../daemon/create-logger.js';
import { parseServeOptions, SERVE_DEFAULTS, type RawServeOptions } from './serve-options.js';

/** How long SIGTERM/SIGINT may take before the process exits anyway (CONTRACT: within 10 s). */
const SHUTDOWN_DEADLINE_MS = 9000;

export function serveCommand(onExit: (code: number) => void): Command {
  return new Command('serve')
    .description('run the control plane: Consul-compatible HTTP API and the xDS server')
    .option('--config <file>', 'declarative YAML/JSON file (repeatable, watched)', collect, [])
    .option('--data-dir <dir>', 'directory of the embedded SQLite store', SERVE_DEFAULTS.dataDir)
    .option('--http-addr <host:port>', 'HTTP API address (port 0 picks a free port)', SERVE_DEFAULTS.httpAddr)
    .option('--grpc-addr <host:port>', 'xDS gRPC address (port 0 picks a free port)', SERVE_DEFAULTS.grpcAddr)
    .addOption(new Option('--store <kind>', 'state store').choices(['sqlite', 'etcd']).default(SERVE_DEFAULTS.store))
    .option('--etcd-endpoints <urls>', 'comma-separated etcd client URLs (with --store etcd)', SERVE_DEFAULTS.etcdEndpoints)
    .option('--etcd-ca-file <file>', 'PEM CA bundle that signed the etcd server certificate (https:// endpoints)')
    .option('--etcd-cert-file <file>', 'PEM client certificate for etcd (--client-cert-auth); with --etcd-key-file')
    .option('--etcd-key-file <file>', 'PEM private key of --etcd-cert-file')
    .option('--etcd-username <name>', 'etcd user (password auth); the password is read from the RXDS_ETCD_PASSWORD environment variable')
    .option('--trust-domain <name>', 'SPIFFE trust domain of the mesh', SERVE_DEFAULTS.trustDomain)
    .option('--debounce-ms <ms>', 'quiet time before a proxy snapshot is rebuilt', SERVE_DEFAULTS.debounceMs)
    .option('--debounce-max-ms <ms>', 'longest a change may wait for a quiet time', SERVE_DEFAULTS.debounceMaxMs)
    .option(
      '--grpc-max-connection-age-ms <ms>',
      'send GOAWAY on gRPC connections older than this, so xDS streams rebalance between replicas (0 = never)',
      SERVE_DEFAULTS.grpcMaxConnectionAgeMs,
    )
    .option(
      '--grpc-max-connection-age-grace-ms <ms>',
      'how long streams may go on after that GOAWAY before the connection is closed',
      SERVE_DEFAULTS.grpcMaxConnectionAgeGraceMs,
    )
    .option('--grpc-tls-cert <file>', 'PEM certificate chain of the xDS server (TLS)')
    .option('--grpc-tls-key <file>', 'PEM private key of --grpc-tls-cert')
    .option('--grpc-tls-ca <file>', 'PEM CA bundle: xDS clients must present a certificate it signed (mTLS)')
    .option('--http-tls-cert <file>', 'PEM certificate chain of the HTTP API (HTTPS)')
    .option('--http-tls-key <file>', 'PEM private key of --http-tls-cert')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
        .default(SERVE_DEFAULTS.logLevel),
    )
    .action(async (raw: RawServeOptions) => {
      const options = parseServeOptions(raw);
      const logger = createLogger(options.logLevel);
      // Loaded here, not at the top: the other commands (client, bootstrap) start without the daemon's modules.
      const { startRxds } = await import('../daemon/start-rxds.js');
      const rxds = await startRxds(options, { logger });
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'shutting down');
          const deadline = setTimeout(() => {
            logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown took too long; exiting');
            onExit(1);
          }, SHUTDOWN_DEADLINE_MS);
          deadline.unref();
          rxds.close().then(() => {
            clearTimeout(deadline);
            logger.info({}, 'stopped');
            resolve();
            // Everything is drained and flushed; timers still pending (a proxy pipeline's reconnect grace,
            // a keep-alive) must not hold the process up.
            onExit(0);
          });
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
