import type { Command } from 'commander';
import { bootstrapCommand } from './bootstrap-command.js';
import { processIo, type CliIo } from './client-options.js';
import { configCommand } from './config-commands.js';
import { configDumpCommand } from './config-dump-command.js';
import { proxyStatusCommand } from './proxy-status-command.js';
import { deregisterCommand, registerCommand } from './register-commands.js';
import { servicesCommand } from './services-command.js';

/**
 * Adds the client commands (CONTRACT section 1) to the `rxds` program: proxy-status, config-dump,
 * services, register, deregister, config write|read, bootstrap envoy|grpc. Each talks to a running server through --http-addr.
 * Failures throw: `UsageError` (exit 2) for a bad call or file, `CliError` (its exitCode: 1 the server
 * said no, 3 unreachable) otherwise; the caller prints them and exits (see src/cli/main.ts).
 */
export function addClientCommands(program: Command, io: CliIo = processIo): Command {
  for (const cmd of [
    proxyStatusCommand(io),
    configDumpCommand(io),
    servicesCommand(io),
    registerCommand(io),
    deregisterCommand(io),
    configCommand(io),
    bootstrapCommand(io),
  ]) {
    program.addCommand(cmd);
    forEachCommand(cmd, (c) => c.exitOverride().showHelpAfterError('(run with --help for usage)'));
  }
  return program;
}

function forEachCommand(cmd: Command, fn: (c: Command) => void): void {
  fn(cmd);
  for (const sub of cmd.commands) forEachCommand(sub, fn);
}
