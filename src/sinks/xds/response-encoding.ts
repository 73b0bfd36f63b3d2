import { toBinary } from '@bufbuild/protobuf';
import {
  DeltaDiscoveryResponseSchema,
  DiscoveryResponseSchema,
  type DeltaDiscoveryResponse,
  type DiscoveryResponse,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Framer } from './any-cache.js';

/**
 * Wire encoding of discovery responses that reuses each resource's cached encoding. A response is
 * an envelope (version, type URL, nonce, removed names) around resources that many streams share:
 * their bytes (the `Any`, or the Delta `Resource` envelope) are built once per resource by the
 * Framer, and here only copied behind a few header bytes. Encoding the same response with
 * protobuf-es would walk every resource again, per stream. Anything not built by the Framer (or a
 * field this encoder does not write) falls back to protobuf-es, so the result is always correct.
 */
export interface ResponseSerializers {
  sotw(response: DiscoveryResponse): Buffer;
  delta(response: DeltaDiscoveryResponse): Buffer;
}

const LEN = 2; // wire type of length-delimited fields

export function createResponseSerializers(framer: Framer): ResponseSerializers {
  return {
    sotw(m) {
      const parts = m.canary || m.controlPlane ? undefined : framedAll(m.resources, (a) => framer.anyBytes(a));
      if (!parts) return Buffer.from(toBinary(DiscoveryResponseSchema, m));
      const w = new Writer();
      w.string(1, m.versionInfo);
      for (const p of parts) w.bytes(2, p);
      w.string(4, m.typeUrl);
      w.string(5, m.nonce);
      return w.finish();
    },
    delta(m) {
      const plain = !m.controlPlane && m.removedResourceNames.length === 0;
      const parts = plain ? framedAll(m.resources, (r) => framer.deltaResourceBytes(r)) : undefined;
      if (!parts) return Buffer.from(toBinary(DeltaDiscoveryResponseSchema, m));
      const w = new Writer();
      w.string(1, m.systemVersionInfo);
      for (const p of parts) w.bytes(2, p);
      w.string(4, m.typeUrl);
      w.string(5, m.nonce);
      for (const n of m.removedResources) w.string(6, n, true);
      return w.finish();
    },
  };
}

function framedAll<T>(items: readonly T[], bytesOf: (item: T) => Uint8Array | undefined): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  for (const item of items) {
    const b = bytesOf(item);
    if (!b) return undefined;
    out.push(b);
  }
  return out;
}

/** A two-pass protobuf writer for flat envelopes: fields are collected, sized, then copied once. */
export class Writer {
  private readonly fields: Array<{ readonly field: number; readonly data: Uint8Array | string; readonly size: number }> = [];
  private total = 0;

  /** A string field (omitted when empty, as proto3 does, unless `always`: repeated entries). */
  string(field: number, value: string, always = false): void {
    if (value === '' && !always) return;
    this.add(field, value, Buffer.byteLength(value));
  }

  bytes(field: number, value: Uint8Array): void {
    this.add(field, value, value.length);
  }

  finish(): Buffer {
    const buf = Buffer.allocUnsafe(this.total);
    let at = 0;
    for (const f of this.fields) {
      at = writeVarint(buf, at, (f.field << 3) | LEN);
      at = writeVarint(buf, at, f.size);
      if (typeof f.data === 'string') at += buf.write(f.data, at, 'utf8');
      else {
        buf.set(f.data, at);
        at += f.size;
      }
    }
    return buf;
  }

  private add(field: number, data: Uint8Array | string, size: number): void {
    this.fields.push({ field, data, size });
    this.total += varintSize((field << 3) | LEN) + varintSize(size) + size;
  }
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}
