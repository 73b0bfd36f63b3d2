/** A `host:port` listen or dial address. IPv6 hosts are written in brackets: `[::1]:8502`. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export function parseHostPort(value: string, flag: string): HostPort {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(value.trim());
  if (!m) throw new UsageError(`${flag}: expected host:port (e.g. 127.0.0.1:8500), got ${JSON.stringify(value)}`);
  const port = Number(m[2]);
  if (port > 65535) throw new UsageError(`${flag}: port ${port} is out of range (0-65535)`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A mistake in how the command was called: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
