import { Command } from 'commander';
import { call, clientFor, printJson, seg, withClientOptions, type ClientFlags, type CliIo } from './client-options.js';
import { CliError } from './cli-error.js';
import { field, objectsOf, readInputFile } from './read-input-file.js';

/** `rxds register FILE`: one service definition, a list of them, or a file with `services:` (as --config). */
export function registerCommand(io: CliIo): Command {
  return withClientOptions(new Command('register'))
    .description('register the services defined in FILE (YAML or JSON; "-" reads standard input)')
    .argument('<file>', 'a Consul service definition, a list of them, or a map with "services:"')
    .action(async (file: string, flags: ClientFlags) => {
      const definitions = objectsOf(await readInputFile(file), file, 'services', 'a service definition');
      const client = clientFor(flags, io);
      const registered: string[] = [];
      for (const def of definitions) {
        const id = String(field(def, 'ID') ?? field(def, 'Name') ?? '?');
        try {
          await call(client, 'PUT', '/v1/agent/service/register', def);
        } catch (err) {
          if (err instanceof CliError) throw partial(err, `registering ${id}`, registered, 'registered');
          throw err;
        }
        registered.push(id);
        if (flags.format === 'table') io.out(`Registered service ${id}\n`);
      }
      if (flags.format === 'json') printJson(io, { Registered: registered });
    });
}

export function deregisterCommand(io: CliIo): Command {
  return withClientOptions(new Command('deregister'))
    .description('deregister a service instance (and its checks) by its ID')
    .argument('<id>', 'the service ID (not its name)')
    .action(async (id: string, flags: ClientFlags) => {
      await call(clientFor(flags, io), 'PUT', `/v1/agent/service/deregister/${seg(id)}`);
      if (flags.format === 'json') printJson(io, { Deregistered: id });
      else io.out(`Deregistered service ${id}\n`);
    });
}

/** The error of the item that failed, saying what was done before it (earlier items stay applied). */
export function partial(err: CliError, doing: string, done: readonly string[], verb: string): CliError {
  const before = done.length > 0 ? `; already ${verb}: ${done.join(', ')}` : '';
  return new CliError(`${doing}: ${err.message}${before}`, err.exitCode);
}
