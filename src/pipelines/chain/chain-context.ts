import { configEntryKey, type ConfigEntryKind, type ConfigEntryOfKind } from '../../sources/config-entries/config-entry.js';
import { PROXY_DEFAULTS_NAME } from '../../sources/config-entries/proxy-defaults.js';
import { ChainError } from './chain-error.js';
import type { ChainEntries, ChainNode, ChainTarget, Protocol } from './compiled-chain.js';

const PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'http', 'http2', 'grpc']);

/**
 * The mutable state of one compilation: entry look-ups (each recorded as a dependency, found or not), the
 * nodes and targets built so far, the protocol every service of the chain must share, and warnings.
 */
export class ChainContext {
  readonly nodes = new Map<string, ChainNode>();
  readonly targets = new Map<string, ChainTarget>();
  readonly dependencies = new Set<string>();
  readonly warnings = new Set<string>();
  private chainProtocol: Protocol | undefined;
  private readonly protocolFrom = new Map<string, Protocol>();

  constructor(
    readonly serviceName: string,
    readonly trustDomain: string,
    private readonly entries: ChainEntries,
  ) {}

  /** Looks an entry up and records that the chain depends on it (whether it exists or not). */
  entry<K extends ConfigEntryKind>(kind: K, name: string): ConfigEntryOfKind<K> | undefined {
    const key = configEntryKey(kind, name);
    this.dependencies.add(key);
    const e = this.entries.get(key);
    return e && e.Kind === kind ? (e as ConfigEntryOfKind<K>) : undefined;
  }

  /** A service's protocol as Consul derives it: service-defaults Protocol, else proxy-defaults Config.protocol, else tcp. */
  protocolOf(service: string): Protocol {
    const known = this.protocolFrom.get(service);
    if (known) return known;
    let protocol: Protocol = 'tcp';
    const sd = this.entry('service-defaults', service);
    if (sd?.Protocol) {
      protocol = sd.Protocol;
    } else {
      const global = this.entry('proxy-defaults', PROXY_DEFAULTS_NAME)?.Config?.['protocol'];
      if (typeof global === 'string' && global !== '') {
        const p = global.toLowerCase();
        if (PROTOCOLS.has(p)) protocol = p as Protocol;
        else this.warn(`proxy-defaults/global: Config.protocol "${global}" is not one of tcp, http, http2, grpc; using tcp`);
      }
    }
    this.protocolFrom.set(service, protocol);
    return protocol;
  }

  /** Every service a chain reaches must use the chain's protocol (Consul's rule). */
  requireProtocol(service: string): void {
    const p = this.protocolOf(service);
    if (this.chainProtocol === undefined) {
      this.chainProtocol = p;
      return;
    }
    if (p !== this.chainProtocol) {
      throw this.fail(
        `uses inconsistent protocols: service "${service}" has protocol "${p}", but the chain's is "${this.chainProtocol}" (set the same Protocol in service-defaults of every service it reaches)`,
        configEntryKey('service-defaults', service),
      );
    }
  }

  warn(message: string): void {
    this.warnings.add(message);
  }

  fail(message: string, entry?: string): ChainError {
    return new ChainError(this.serviceName, message, entry);
  }
}

/** A Namespace/Partition field rxds can honour: absent, empty or "default". */
export function isDefaultTenancy(value: string | undefined): boolean {
  return value === undefined || value === '' || value === 'default';
}
