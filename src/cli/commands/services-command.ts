import { Command } from 'commander';
import { call, clientFor, printJson, seg, withClientOptions, type ClientFlags, type CliIo } from './client-options.js';
import { formatTable } from './format-table.js';

interface ServiceSummary {
  readonly Name: string;
  readonly Tags: readonly string[];
  /** Registered instances. */
  readonly Instances: number;
  /** Instances whose checks all pass. */
  readonly Passing: number;
}

interface HealthEntry {
  readonly Checks?: ReadonlyArray<{ readonly Status?: string }>;
}

/** At most this many health requests at a time. */
const CONCURRENCY = 8;

export function servicesCommand(io: CliIo): Command {
  return withClientOptions(new Command('services'))
    .description('list the registered services with their tags, instances and passing instances')
    .action(async (flags: ClientFlags) => {
      const client = clientFor(flags, io);
      const catalog = (await call(client, 'GET', '/v1/catalog/services')).body as Record<string, readonly string[]>;
      const names = Object.keys(catalog).sort();
      const summaries: ServiceSummary[] = new Array(names.length);
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < names.length; i = next++) {
          const name = names[i]!;
          const entries = (await call(client, 'GET', `/v1/health/service/${seg(name)}`)).body as HealthEntry[];
          const passing = entries.filter((e) => (e.Checks ?? []).every((c) => c.Status === 'passing')).length;
          summaries[i] = { Name: name, Tags: catalog[name] ?? [], Instances: entries.length, Passing: passing };
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, names.length) }, worker));
      if (flags.format === 'json') return printJson(io, summaries);
      if (summaries.length === 0) return io.out('No services are registered.\n');
      io.out(
        formatTable(
          ['SERVICE', 'INSTANCES', 'PASSING', 'TAGS'],
          summaries.map((s) => [s.Name, String(s.Instances), String(s.Passing), s.Tags.join(',')]),
        ),
      );
    });
}
