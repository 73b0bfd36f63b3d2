/**
 * A client command failed for a reason a script can act on: 1 = the server said no (refused, not found,
 * invalid), 3 = the server could not be reached. (Usage errors are `UsageError`, exit code 2.)
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 3,
  ) {
    super(message);
  }
}
