import { Command } from 'commander';
import { call, clientFor, printJson, seg, withClientOptions, type ClientFlags, type CliIo } from './client-options.js';
import { formatAge, formatTable, oneLine, shortVersion } from './format-table.js';

/** The parts of `GET /v1/rxds/proxies` the table shows (the JSON output passes the server's answer through). */
interface ProxyRow {
  readonly NodeID: string;
  readonly Service: string;
  readonly Kind: string;
  readonly Types: ReadonlyArray<{
    readonly Type: string;
    readonly Status: string;
    readonly LastSentVersion: string | null;
    readonly LastAckedVersion: string | null;
    readonly LastSentNonce: string | null;
    readonly SentAgeMs: number | null;
    readonly NackError: string | null;
  }>;
}

export function proxyStatusCommand(io: CliIo): Command {
  return withClientOptions(new Command('proxy-status'))
    .description('show each connected proxy and, per resource type, whether it is SYNCED, NOT SENT, STALE or NACKED')
    .argument('[proxy-id]', 'show only this proxy (its node id)')
    .action(async (proxyId: string | undefined, flags: ClientFlags) => {
      const client = clientFor(flags, io);
      const res = await call(client, 'GET', proxyId === undefined ? '/v1/rxds/proxies' : `/v1/rxds/proxies/${seg(proxyId)}`);
      if (flags.format === 'json') return printJson(io, res.body);
      const proxies = (proxyId === undefined ? res.body : [res.body]) as ProxyRow[];
      if (proxies.length === 0) return io.out('No proxies are connected.\n');
      const rows: string[][] = [];
      for (const p of proxies) {
        if (p.Types.length === 0) rows.push([p.NodeID, p.Service, p.Kind, '-', 'NOT SENT', '-', '-', '-', '-', '']);
        for (const t of p.Types) {
          rows.push([
            p.NodeID,
            p.Service,
            p.Kind,
            t.Type,
            t.Status,
            shortVersion(t.LastSentVersion),
            shortVersion(t.LastAckedVersion),
            t.LastSentNonce ?? '-',
            formatAge(t.SentAgeMs),
            t.NackError ? oneLine(t.NackError) : '',
          ]);
        }
      }
      io.out(formatTable(['PROXY', 'SERVICE', 'KIND', 'TYPE', 'STATUS', 'SENT', 'ACKED', 'NONCE', 'SENT AGO', 'NACK ERROR'], rows));
    });
}
