/**
 * A discovery chain that cannot be compiled (a redirect loop, a splitter cycle, a subset that does not exist,
 * services of one chain with different protocols, a redirect to a datacenter rxds does not have). Callers log
 * it and keep serving the previous chain.
 */
export class ChainError extends Error {
  override readonly name = 'ChainError';
  /** The upstream whose chain failed. */
  readonly serviceName: string;
  /** The config entry at fault (`kind/name`), when one can be named. */
  readonly entry: string | undefined;

  constructor(serviceName: string, message: string, entry?: string) {
    super(`discovery chain "${serviceName}": ${entry ? `${entry}: ` : ''}${message}`);
    this.serviceName = serviceName;
    this.entry = entry;
  }
}
