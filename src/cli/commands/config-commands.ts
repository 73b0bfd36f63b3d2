import { Command } from 'commander';
import { call, clientFor, printJson, seg, withClientOptions, type ClientFlags, type CliIo } from './client-options.js';
import { CliError } from './cli-error.js';
import { partial } from './register-commands.js';
import { field, objectsOf, readInputFile } from './read-input-file.js';

/** `rxds config write FILE` and `rxds config read KIND NAME`. */
export function configCommand(io: CliIo): Command {
  return new Command('config').description('write and read config entries').addCommand(configWrite(io)).addCommand(configRead(io));
}

function configWrite(io: CliIo): Command {
  return withClientOptions(new Command('write'))
    .description('write the config entries in FILE (YAML or JSON; "-" reads standard input); each is validated by the server')
    .argument('<file>', 'a config entry, a list of them, or a map with "config_entries:"')
    .action(async (file: string, flags: ClientFlags) => {
      const entries = objectsOf(await readInputFile(file), file, 'config_entries', 'a config entry');
      const client = clientFor(flags, io);
      const written: string[] = [];
      for (const entry of entries) {
        const key = `${String(field(entry, 'Kind') ?? '?')}/${String(field(entry, 'Name') ?? '?')}`;
        try {
          await call(client, 'PUT', '/v1/config', entry);
        } catch (err) {
          if (err instanceof CliError) throw partial(err, `writing ${key}`, written, 'written');
          throw err;
        }
        written.push(key);
        if (flags.format === 'table') io.out(`Wrote config entry ${key}\n`);
      }
      if (flags.format === 'json') printJson(io, { Written: written });
    });
}

function configRead(io: CliIo): Command {
  return withClientOptions(new Command('read'), 'json')
    .description('print a config entry as JSON')
    .argument('<kind>', 'proxy-defaults, service-defaults, service-router, service-splitter, service-resolver or service-intentions')
    .argument('<name>', 'the entry name ("global" for proxy-defaults)')
    .action(async (kind: string, name: string, flags: ClientFlags) => {
      const res = await call(clientFor(flags, io), 'GET', `/v1/config/${seg(kind)}/${seg(name)}`);
      if (flags.format === 'json') return printJson(io, res.body);
      // A config entry has no natural table: one line per top-level field.
      const entry = (res.body ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(entry)) io.out(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
    });
}
