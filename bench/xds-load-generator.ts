// Load generator for bench/xds-fanout.bench.ts, run in its own process: N Delta ADS streams, each on
// its own HTTP/2 connection (as N proxies), subscribed to the same clusters and their endpoints. It ACKs
// every response, tells the parent when all streams are synced, and for each announced change
// reports when each stream received it (epoch ms with sub-ms precision, comparable across processes).
//
// The client is a lean gRPC-over-HTTP/2 client on node:http2 (the gRPC wire format: POST to the method
// path, `content-type: application/grpc`, each message prefixed by a 1-byte flag and a 4-byte length),
// not grpc-js: the load generator shares the 2 cores with the server, and grpc-js's per-message work
// on the client side (about 3x node:http2's) was measured as delivery time. Responses are decoded by a lean
// reader of just the fields this client looks at (type URL, nonce, each resource's name and version);
// every response is still read whole off a real HTTP/2 stream and ACKed. An ACK's bytes are written
// directly (the same bytes protobuf-es would produce).
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { create, toBinary } from '@bufbuild/protobuf';
import { TypeUrl } from '../src/core/type-urls.js';
import { NodeSchema } from '../src/gen/envoy/config/core/v3/base_pb.js';
import { DeltaDiscoveryRequestSchema } from '../src/gen/envoy/service/discovery/v3/discovery_pb.js';

export type ParentMessage = { type: 'watch'; name: string; version: string } | { type: 'stop' };
export type ChildMessage = { type: 'synced' } | { type: 'watching' } | { type: 'received'; times: number[] };

const [port, streamCount, clusterCount] = process.argv.slice(2).map(Number) as [number, number, number];
const names = Array.from({ length: clusterCount }, (_, i) => `c${i}`);
const METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';
const epochNow = () => performance.timeOrigin + performance.now();

interface Proxy {
  session: ClientHttp2Session;
  stream: ClientHttp2Stream;
  endpoints: number;
  clusters: number;
}

let watched: { name: string; version: string; times: number[] } | undefined;
let synced = 0;
const proxies: Proxy[] = [];

for (let i = 0; i < streamCount; i++) {
  const session = connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const stream = session.request({
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: METHOD,
    [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
    te: 'trailers',
  });
  const p: Proxy = { session, stream, endpoints: 0, clusters: 0 };
  proxies.push(p);
  stream.on('error', () => {});
  stream.on('trailers', (t) => {
    if (t['grpc-status'] !== '0') console.error(`stream ${i} ended: grpc-status ${t['grpc-status']} ${t['grpc-message'] ?? ''}`);
  });
  onMessages(stream, (body) => {
    const r = decodeDeltaResponse(body);
    stream.write(frame(encodeAck(r.typeUrl, r.nonce)));
    const wasSynced = p.clusters >= clusterCount && p.endpoints >= clusterCount;
    if (r.typeUrl === TypeUrl.Cluster) p.clusters += r.resources.length;
    if (r.typeUrl === TypeUrl.ClusterLoadAssignment) {
      p.endpoints += r.resources.length;
      const w = watched;
      if (w && r.resources.some((x) => x.name === w.name && x.version === w.version)) {
        w.times.push(epochNow());
        if (w.times.length === streamCount) {
          watched = undefined;
          send({ type: 'received', times: w.times });
        }
      }
    }
    if (!wasSynced && p.clusters >= clusterCount && p.endpoints >= clusterCount && ++synced === streamCount) send({ type: 'synced' });
  });
  const node = create(NodeSchema, { id: `proxy-${i}`, cluster: 'bench' });
  stream.write(frame(toBinary(DeltaDiscoveryRequestSchema, create(DeltaDiscoveryRequestSchema, { node, typeUrl: TypeUrl.Cluster, resourceNamesSubscribe: ['*'] }))));
  stream.write(frame(toBinary(DeltaDiscoveryRequestSchema, create(DeltaDiscoveryRequestSchema, { typeUrl: TypeUrl.ClusterLoadAssignment, resourceNamesSubscribe: names }))));
}

function send(m: ChildMessage): void {
  process.send!(m);
}

process.on('message', (m: ParentMessage) => {
  if (m.type === 'watch') {
    watched = { name: m.name, version: m.version, times: [] };
    send({ type: 'watching' });
  } else {
    for (const p of proxies) {
      p.stream.close(constants.NGHTTP2_CANCEL);
      p.session.close();
    }
    process.exit(0);
  }
});

/** A gRPC length-prefixed message: flag 0 (not compressed), 4-byte big-endian length, the bytes. */
function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** Splits a gRPC response body (arriving in arbitrary chunks) into messages. */
function onMessages(stream: ClientHttp2Stream, onMessage: (body: Buffer) => void): void {
  let pending: Buffer | undefined;
  stream.on('data', (chunk: Buffer) => {
    let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = undefined;
    while (buf.length >= 5) {
      if (buf[0] !== 0) throw new Error('compressed gRPC message: not expected from rxds');
      const len = buf.readUInt32BE(1);
      if (buf.length < 5 + len) break;
      onMessage(buf.subarray(5, 5 + len));
      buf = buf.subarray(5 + len);
    }
    if (buf.length > 0) pending = buf;
  });
}

/** The parts of a DeltaDiscoveryResponse this client uses. */
interface LeanDeltaResponse {
  typeUrl: string;
  nonce: string;
  resources: Array<{ name: string; version: string }>;
}

// Field numbers (envoy.service.discovery.v3): DeltaDiscoveryResponse resources=2, type_url=4, nonce=5;
// Resource version=1, name=3. Other fields are skipped by wire type.
function decodeDeltaResponse(buf: Buffer): LeanDeltaResponse {
  const out: LeanDeltaResponse = { typeUrl: '', nonce: '', resources: [] };
  readFields(buf, 0, buf.length, (field, start, end) => {
    if (field === 4) out.typeUrl = buf.toString('utf8', start, end);
    else if (field === 5) out.nonce = buf.toString('utf8', start, end);
    else if (field === 2) {
      const r = { name: '', version: '' };
      readFields(buf, start, end, (f, s, e) => {
        if (f === 3) r.name = buf.toString('utf8', s, e);
        else if (f === 1) r.version = buf.toString('utf8', s, e);
      });
      out.resources.push(r);
    }
  });
  return out;
}

/** Calls `onLen` for each length-delimited field in buf[from, to); skips other wire types. */
function readFields(buf: Buffer, from: number, to: number, onLen: (field: number, start: number, end: number) => void): void {
  cursor = from;
  while (cursor < to) {
    const tag = readVarint(buf);
    const wire = tag & 7;
    if (wire === 2) {
      const len = readVarint(buf);
      const start = cursor;
      cursor += len;
      onLen(Math.floor(tag / 8), start, start + len);
      cursor = start + len;
    } else if (wire === 0) readVarint(buf);
    else if (wire === 1) cursor += 8;
    else if (wire === 5) cursor += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

let cursor = 0; // readFields' position (module-level: no closure per call; nested reads restore it)

function readVarint(buf: Buffer): number {
  let n = 0;
  let mul = 1;
  for (;;) {
    const b = buf[cursor++]!;
    n += (b & 0x7f) * mul;
    if (b < 0x80) return n;
    mul *= 128;
  }
}

/** A pure ACK (DeltaDiscoveryRequest type_url=2, response_nonce=6), the bytes protobuf-es would write. */
function encodeAck(typeUrl: string, nonce: string): Buffer {
  const t = Buffer.byteLength(typeUrl);
  const n = Buffer.byteLength(nonce);
  if (t > 127 || n > 127) return Buffer.from(toBinary(DeltaDiscoveryRequestSchema, create(DeltaDiscoveryRequestSchema, { typeUrl, responseNonce: nonce })));
  const out = Buffer.allocUnsafe(4 + t + n);
  out[0] = (2 << 3) | 2;
  out[1] = t;
  out.write(typeUrl, 2, 'utf8');
  out[2 + t] = (6 << 3) | 2;
  out[3 + t] = n;
  out.write(nonce, 4 + t, 'utf8');
  return out;
}
