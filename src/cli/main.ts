import { Command, CommanderError } from 'commander';
import { UsageError } from './address.js';
import { addClientCommands } from './commands/add-client-commands.js';
import { CliError } from './commands/cli-error.js';
import { quietOnClosedStdout } from './quiet-closed-stdout.js';
import { serveCommand } from './serve-command.js';

/**
 * The `rxds` command line. Resolves with the process exit code: 0 success, 1 failure, 2 usage error.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('rxds')
    .description('rxds: a reactive service-mesh control plane (Consul-compatible API, xDS for Envoy and proxyless gRPC)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  program.addCommand(serveCommand((code) => process.exit(code)));
  addClientCommands(program);
  // A client command whose reader went away (`rxds services | head -1`) stops quietly; `serve` keeps
  // Node's default (its stdout is the log).
  program.hook('preAction', (_program, action) => {
    if (action.name() !== 'serve') quietOnClosedStdout();
  });
  for (const cmd of program.commands) cmd.exitOverride();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0; parse errors were already printed.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CliError) {
      process.stderr.write(`rxds: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`rxds: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
