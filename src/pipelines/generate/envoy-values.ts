import { create, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { anyPack, type Any, type Duration } from '@bufbuild/protobuf/wkt';
import type { Address } from '../../gen/envoy/config/core/v3/address_pb.js';
import { AddressSchema } from '../../gen/envoy/config/core/v3/address_pb.js';
import { ApiVersion, ConfigSourceSchema, type ConfigSource } from '../../gen/envoy/config/core/v3/config_source_pb.js';
import { HttpProtocolOptionsSchema } from '../../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { RouterSchema } from '../../gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import type { HttpFilter } from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { HttpFilterSchema } from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { Filter } from './names.js';

/** `ads: {}` with resource API v3: fetch over the same ADS stream. */
export function adsConfigSource(): ConfigSource {
  return create(ConfigSourceSchema, { configSourceSpecifier: { case: 'ads', value: {} }, resourceApiVersion: ApiVersion.V3 });
}

export function socketAddress(address: string, port: number): Address {
  return create(AddressSchema, {
    address: { case: 'socketAddress', value: { address, portSpecifier: { case: 'portValue', value: port } } },
  });
}

/** A protobuf Duration from milliseconds. */
export function durationOf(ms: number): Duration {
  const whole = Math.max(0, Math.floor(ms));
  return { $typeName: 'google.protobuf.Duration', seconds: BigInt(Math.floor(whole / 1000)), nanos: (whole % 1000) * 1_000_000 };
}

/** `typed_config` of an extension: the message packed in an Any. */
export function typed<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Any {
  return anyPack(schema, message);
}

/** The router, last HTTP filter of every HttpConnectionManager. */
export function routerFilter(): HttpFilter {
  return create(HttpFilterSchema, { name: Filter.router, configType: { case: 'typedConfig', value: typed(RouterSchema, create(RouterSchema)) } });
}

/** `typed_extension_protocol_options` making a cluster speak HTTP/2 to its endpoints (http2 and grpc services). */
export function http2ProtocolOptions(): { [key: string]: Any } {
  const options = create(HttpProtocolOptionsSchema, {
    upstreamProtocolOptions: { case: 'explicitHttpConfig', value: { protocolConfig: { case: 'http2ProtocolOptions', value: {} } } },
  });
  return { [Filter.httpProtocolOptions]: typed(HttpProtocolOptionsSchema, options) };
}

/** Whether a protocol is routed at L7 (HttpConnectionManager + RDS) rather than proxied as TCP. */
export function isL7(protocol: string): boolean {
  return protocol === 'http' || protocol === 'http2' || protocol === 'grpc';
}

/** Whether a protocol is carried over HTTP/2 to the endpoints. */
export function isHttp2(protocol: string): boolean {
  return protocol === 'http2' || protocol === 'grpc';
}
