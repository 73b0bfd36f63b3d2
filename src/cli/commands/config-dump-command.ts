import { Command } from 'commander';
import { call, clientFor, printJson, seg, withClientOptions, type ClientFlags, type CliIo } from './client-options.js';
import { formatTable } from './format-table.js';

interface ConfigDump {
  readonly Resources: { readonly [typeUrl: string]: { readonly [name: string]: unknown } };
}

export function configDumpCommand(io: CliIo): Command {
  return withClientOptions(new Command('config-dump'), 'json')
    .description('print the resources last sent to a proxy (protobuf JSON, grouped by type URL); --format table lists them')
    .argument('<proxy-id>', 'the node id of the proxy (see rxds proxy-status)')
    .action(async (proxyId: string, flags: ClientFlags) => {
      const res = await call(clientFor(flags, io), 'GET', `/v1/rxds/proxies/${seg(proxyId)}/config`);
      if (flags.format === 'json') return printJson(io, res.body);
      const dump = res.body as ConfigDump;
      const rows: string[][] = [];
      for (const [typeUrl, byName] of Object.entries(dump.Resources)) {
        for (const name of Object.keys(byName)) rows.push([typeUrl.replace(/^type\.googleapis\.com\//, ''), name]);
      }
      if (rows.length === 0) return io.out(`Nothing has been sent to ${proxyId} yet.\n`);
      io.out(formatTable(['TYPE', 'NAME'], rows));
    });
}
