// Table tests of every PGV rule kind the vendored Envoy protos use, on real Envoy messages: each case
// builds a valid message (which must pass with no violation at all) and the same message with one field
// broken (which must give exactly the expected violation). A coverage test checks that every rule the
// protos use has a case here, so a rule check cannot silently go missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, type DescMessage, type Message, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { BootstrapSchema } from '../../../src/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { GrpcStatusFilterSchema } from '../../../src/gen/envoy/config/accesslog/v3/accesslog_pb.js';
import { ClusterSchema, Cluster_RingHashLbConfigSchema } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { HeaderValueOptionSchema, HeaderValueSchema, RequestMethod } from '../../../src/gen/envoy/config/core/v3/base_pb.js';
import { ApiVersion, ExtensionConfigSourceSchema, RateLimitSettingsSchema } from '../../../src/gen/envoy/config/core/v3/config_source_pb.js';
import { TypedExtensionConfigSchema } from '../../../src/gen/envoy/config/core/v3/extension_pb.js';
import { HealthCheckSchema } from '../../../src/gen/envoy/config/core/v3/health_check_pb.js';
import { AlternateProtocolsCacheOptionsSchema, QuicKeepAliveSettingsSchema } from '../../../src/gen/envoy/config/core/v3/protocol_pb.js';
import { ProxyProtocolPassThroughTLVsSchema } from '../../../src/gen/envoy/config/core/v3/proxy_protocol_pb.js';
import { UdpSocketConfigSchema } from '../../../src/gen/envoy/config/core/v3/udp_socket_config_pb.js';
import { ListenerSchema } from '../../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { HistogramBucketSettingsSchema } from '../../../src/gen/envoy/config/metrics/v3/stats_pb.js';
import { RouteConfigurationSchema } from '../../../src/gen/envoy/config/route/v3/route_pb.js';
import { RouterSchema } from '../../../src/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { RBACSchema as NetworkRbacSchema } from '../../../src/gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import { UpstreamTlsContextSchema } from '../../../src/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { HttpProtocolOptionsSchema } from '../../../src/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { Matcher_MatcherTree_MatchMapSchema } from '../../../src/gen/xds/type/matcher/v3/matcher_pb.js';
import { envoyTypeRegistry } from '../../../src/pipelines/validate/envoy-registry.js';
import { compileFieldRules, isOneofRequired } from '../../../src/pipelines/validate/pgv-rules.js';
import { validateMessage } from '../../../src/pipelines/validate/validate-message.js';
import { edsCluster, hcm, HTTP_PROTOCOL_OPTIONS, publicListener, routeConfiguration, upstreamListener } from './envoy-fixtures.js';

interface Case {
  readonly title: string;
  /** Rules (as compileFieldRules names them) this case proves are enforced. */
  readonly covers: readonly string[];
  readonly schema: DescMessage;
  readonly build: (bad: boolean) => Message;
  /** The exact violations of the broken message, as `path rule`. */
  readonly expect: readonly string[];
}

function kase<D extends DescMessage>(title: string, covers: string[], schema: D, build: (bad: boolean) => MessageShape<D>, ...expect: string[]): Case {
  return { title, covers, schema, build, expect };
}

const ads = { configSourceSpecifier: { case: 'ads' as const, value: {} }, resourceApiVersion: ApiVersion.V3 };

function routes(edit: (r: ReturnType<typeof routeConfiguration>) => void) {
  const r = routeConfiguration();
  edit(r);
  return r;
}
function cluster(edit: (c: ReturnType<typeof edsCluster>) => void) {
  const c = edsCluster();
  edit(c);
  return c;
}
/** The public listener with its network RBAC filter config edited (through the Any). */
function rbacListener(edit: (rbac: MessageShape<typeof NetworkRbacSchema>) => void) {
  const l = publicListener();
  const rbac = create(NetworkRbacSchema, {
    statPrefix: 'connect_authz',
    rules: { policies: { 'consul-intentions-layer4': { permissions: [{ rule: { case: 'any', value: true } }], principals: [{ identifier: { case: 'any', value: true } }] } } },
  });
  edit(rbac);
  l.filterChains[0]!.filters[0]!.configType = { case: 'typedConfig', value: anyPack(NetworkRbacSchema, rbac) };
  return l;
}
function healthChecked(edit: (h: MessageShape<typeof HealthCheckSchema>) => void) {
  const h = create(HealthCheckSchema, {
    timeout: { seconds: 1n },
    interval: { seconds: 10n },
    unhealthyThreshold: 2,
    healthyThreshold: 2,
    healthChecker: { case: 'httpHealthCheck', value: { path: '/health', method: RequestMethod.GET } },
  });
  edit(h);
  return cluster((c) => (c.healthChecks = [h]));
}
const bucketSettings = (buckets: number[]) =>
  create(HistogramBucketSettingsSchema, { match: { matchPattern: { case: 'prefix', value: 'cluster.' } }, buckets });

const headerOption = (header: MessageInitShape<typeof HeaderValueSchema>) => create(HeaderValueOptionSchema, { header });

const VH = 'virtual_hosts[0]';
const HCM = 'filter_chains[0].filters[0].typed_config';

export const CASES: readonly Case[] = [
  kase('string min_len: cluster with an empty name', ['string.min_len'], ClusterSchema, (bad) => cluster((c) => bad && (c.name = '')), 'name string.min_len'),
  kase('duration gt: negative connect_timeout', ['duration.gt'], ClusterSchema, (bad) => cluster((c) => bad && (c.connectTimeout = { $typeName: 'google.protobuf.Duration', seconds: -1n, nanos: 0 })), 'connect_timeout duration.gt'),
  kase('enum defined_only: unknown lb_policy', ['enum.defined_only'], ClusterSchema, (bad) => cluster((c) => bad && (c.lbPolicy = 99 as never)), 'lb_policy enum.defined_only'),
  kase('enum defined_only in a oneof: unknown discovery type', ['enum.defined_only'], ClusterSchema, (bad) => cluster((c) => bad && (c.clusterDiscoveryType = { case: 'type', value: 42 as never })), 'type enum.defined_only'),
  kase('message required: route without match', ['message.required'], RouteConfigurationSchema, (bad) => routes((r) => bad && (r.virtualHosts[0]!.routes[0]!.match = undefined)), `${VH}.routes[0].match message.required`),
  kase('oneof required: route without action', ['oneof.required'], RouteConfigurationSchema, (bad) => routes((r) => bad && (r.virtualHosts[0]!.routes[1]!.action = { case: undefined })), `${VH}.routes[1].action oneof.required`),
  kase('non-strict HTTP_HEADER_NAME: header matcher name with a newline (a space is fine)', ['string.well_known_regex', 'string.strict'], RouteConfigurationSchema,
    (bad) => routes((r) => (r.virtualHosts[0]!.routes[0]!.match!.headers[0]!.name = bad ? 'x-canary\nx' : 'x canary')), `${VH}.routes[0].match.headers[0].name string.well_known_regex`),
  kase('strict HTTP_HEADER_NAME with ignore_empty, through an Any in a map', ['string.ignore_empty', 'string.well_known_regex'], ClusterSchema,
    (bad) => cluster((c) => {
      const opts = create(HttpProtocolOptionsSchema, {
        upstreamHttpProtocolOptions: { autoSni: true, overrideAutoSniHeader: bad ? 'x sni' : '' },
        upstreamProtocolOptions: { case: 'explicitHttpConfig', value: { protocolConfig: { case: 'http2ProtocolOptions', value: {} } } },
      });
      c.typedExtensionProtocolOptions[HTTP_PROTOCOL_OPTIONS] = anyPack(HttpProtocolOptionsSchema, opts);
    }),
    `typed_extension_protocol_options["${HTTP_PROTOCOL_OPTIONS}"].upstream_http_protocol_options.override_auto_sni_header string.well_known_regex`),
  kase('string max_bytes: header value over 16384 bytes', ['string.max_bytes'], RouteConfigurationSchema,
    (bad) => routes((r) => (r.responseHeadersToAdd = [headerOption({ key: 'x-k', value: bad ? 'v'.repeat(16385) : 'v' })])), 'response_headers_to_add[0].header.value string.max_bytes'),
  kase('string pattern: path_separated_prefix ending in a slash', ['string.pattern'], RouteConfigurationSchema,
    (bad) => routes((r) => (r.virtualHosts[0]!.routes[0]!.match!.pathSpecifier = { case: 'pathSeparatedPrefix', value: bad ? '/api/' : '/api' })), `${VH}.routes[0].match.path_separated_prefix string.pattern`),
  kase('string in: scheme_to_overwrite inside the HCM Any', ['string.in'], ListenerSchema,
    (bad) => { const h = hcm(); h.schemeHeaderTransformation = { $typeName: 'envoy.config.core.v3.SchemeHeaderTransformation', transformation: { case: 'schemeToOverwrite', value: bad ? 'ftp' : 'https' }, matchUpstream: false }; return upstreamListener(h); },
    `${HCM}.scheme_header_transformation.scheme_to_overwrite string.in`),
  kase('oneof required inside an Any: HCM without route_specifier', ['oneof.required'], ListenerSchema,
    (bad) => { const h = hcm(); if (bad) h.routeSpecifier = { case: undefined }; return upstreamListener(h); }, `${HCM}.route_specifier oneof.required`),
  kase('bytes max_len: raw header value over 16384 bytes', ['bytes.max_len'], RouteConfigurationSchema,
    (bad) => routes((r) => (r.responseHeadersToAdd = [headerOption({ key: 'x-k', rawValue: new Uint8Array(bad ? 16385 : 3) })])), 'response_headers_to_add[0].header.raw_value bytes.max_len'),
  kase('uint32 lte in a oneof: port 70000', ['uint32.lte'], ListenerSchema,
    (bad) => { const l = upstreamListener(); if (bad && l.address?.address.case === 'socketAddress') l.address.address.value.portSpecifier = { case: 'portValue', value: 70000 }; return l; },
    'address.socket_address.port_value uint32.lte'),
  kase('uint32 gte on a wrapper: least-request choice_count 1', ['uint32.gte'], ClusterSchema,
    (bad) => cluster((c) => (c.lbConfig = { case: 'leastRequestLbConfig', value: create(ClusterSchema.field.leastRequestLbConfig!.message!, { choiceCount: bad ? 1 : 2 }) as never })),
    'least_request_lb_config.choice_count uint32.gte'),
  kase('uint32 gt: alternate protocol port 0', ['uint32.gt'], AlternateProtocolsCacheOptionsSchema,
    (bad) => create(AlternateProtocolsCacheOptionsSchema, { name: 'cache', prepopulatedEntries: [{ hostname: 'example.com', port: bad ? 0 : 443 }] }), 'prepopulated_entries[0].port uint32.gt'),
  kase('uint32 lt: alternate protocol port 65535', ['uint32.lt'], AlternateProtocolsCacheOptionsSchema,
    (bad) => create(AlternateProtocolsCacheOptionsSchema, { name: 'cache', prepopulatedEntries: [{ hostname: '', port: bad ? 65535 : 65534 }] }), 'prepopulated_entries[0].port uint32.lt'),
  kase('uint32 gt on a wrapper: max_entries 0', ['uint32.gt'], AlternateProtocolsCacheOptionsSchema,
    (bad) => create(AlternateProtocolsCacheOptionsSchema, { name: 'cache', maxEntries: bad ? 0 : 1 }), 'max_entries uint32.gt'),
  kase('uint64 lte: ring hash minimum_ring_size too large', ['uint64.lte'], ClusterSchema,
    (bad) => cluster((c) => (c.lbConfig = { case: 'ringHashLbConfig', value: create(Cluster_RingHashLbConfigSchema, { minimumRingSize: bad ? 8388609n : 1024n }) })),
    'ring_hash_lb_config.minimum_ring_size uint64.lte'),
  kase('uint64 gt: max_rx_datagram_size 0', ['uint64.gt'], UdpSocketConfigSchema, (bad) => create(UdpSocketConfigSchema, { maxRxDatagramSize: bad ? 0n : 1500n }), 'max_rx_datagram_size uint64.gt'),
  kase('uint64 lt: max_rx_datagram_size 65536', ['uint64.lt'], UdpSocketConfigSchema, (bad) => create(UdpSocketConfigSchema, { maxRxDatagramSize: bad ? 65536n : 65535n }), 'max_rx_datagram_size uint64.lt'),
  kase('double gte: preconnect ratio 0.5', ['double.gte'], ClusterSchema, (bad) => cluster((c) => (c.preconnectPolicy = create(ClusterSchema.field.preconnectPolicy!.message!, { perUpstreamPreconnectRatio: bad ? 0.5 : 1 }) as never)), 'preconnect_policy.per_upstream_preconnect_ratio double.gte'),
  kase('double lte: preconnect ratio 3.5', ['double.lte'], ClusterSchema, (bad) => cluster((c) => (c.preconnectPolicy = create(ClusterSchema.field.preconnectPolicy!.message!, { perUpstreamPreconnectRatio: bad ? 3.5 : 3 }) as never)), 'preconnect_policy.per_upstream_preconnect_ratio double.lte'),
  kase('double gt on a wrapper: fill_rate 0', ['double.gt'], RateLimitSettingsSchema, (bad) => create(RateLimitSettingsSchema, { fillRate: bad ? 0 : 0.5 }), 'fill_rate double.gt'),
  kase('duration gte: stats flush interval under 1ms', ['duration.gte'], BootstrapSchema, (bad) => create(BootstrapSchema, { statsFlushInterval: bad ? { nanos: 999_999 } : { nanos: 1_000_000 } }), 'stats_flush_interval duration.gte'),
  kase('duration lt: stats flush interval of 300s', ['duration.lt'], BootstrapSchema, (bad) => create(BootstrapSchema, { statsFlushInterval: { seconds: bad ? 300n : 299n } }), 'stats_flush_interval duration.lt'),
  kase('duration exclusive range (lte 0s, gte 1s): keepalive 0.5s', ['duration.lte', 'duration.gte'], QuicKeepAliveSettingsSchema,
    (bad) => create(QuicKeepAliveSettingsSchema, { maxInterval: bad ? { nanos: 500_000_000 } : { seconds: 0n } }), 'max_interval duration.gte'),
  kase('duration required: refresh rate without base_interval', ['duration.required'], ClusterSchema,
    (bad) => cluster((c) => (c.dnsFailureRefreshRate = create(ClusterSchema.field.dnsFailureRefreshRate!.message!, bad ? {} : { baseInterval: { seconds: 1n } }) as never)), 'dns_failure_refresh_rate.base_interval duration.required'),
  kase('enum not_in: CONNECT health check method', ['enum.not_in'], ClusterSchema,
    (bad) => healthChecked((h) => { if (bad && h.healthChecker.case === 'httpHealthCheck') h.healthChecker.value.method = RequestMethod.CONNECT; }), 'health_checks[0].http_health_check.method enum.not_in'),
  kase('message required on a wrapper: health check without unhealthy_threshold', ['message.required'], ClusterSchema,
    (bad) => healthChecked((h) => bad && (h.unhealthyThreshold = undefined)), 'health_checks[0].unhealthy_threshold message.required'),
  kase('any required: typed extension config without typed_config', ['any.required'], TypedExtensionConfigSchema,
    (bad) => create(TypedExtensionConfigSchema, { name: 'envoy.filters.http.router', typedConfig: bad ? undefined : anyPack(RouterSchema, create(RouterSchema)) }), 'typed_config any.required'),
  kase('any required on a non-Any message: extension config source without config_source', ['any.required', 'repeated.min_items'], ExtensionConfigSourceSchema,
    (bad) => create(ExtensionConfigSourceSchema, { configSource: bad ? undefined : ads, typeUrls: ['type.googleapis.com/envoy.extensions.filters.http.router.v3.Router'] }), 'config_source any.required'),
  kase('repeated min_items: virtual host without domains', ['repeated.min_items'], RouteConfigurationSchema, (bad) => routes((r) => bad && (r.virtualHosts[0]!.domains = [])), `${VH}.domains repeated.min_items`),
  kase('repeated max_items: 1001 response headers', ['repeated.max_items'], RouteConfigurationSchema,
    (bad) => routes((r) => (r.responseHeadersToAdd = Array.from({ length: bad ? 1001 : 1000 }, (_, i) => headerOption({ key: `x-h${i}`, value: 'v' })))),
    'response_headers_to_add repeated.max_items'),
  kase('items string min_len: empty header name to remove', ['repeated.items.string.min_len'], RouteConfigurationSchema,
    (bad) => routes((r) => (r.virtualHosts[0]!.requestHeadersToRemove = ['x-a', bad ? '' : 'x-b'])), `${VH}.request_headers_to_remove[1] string.min_len`),
  kase('items non-strict header names: a carriage return (a space is fine)', ['repeated.items.string.well_known_regex', 'repeated.items.string.strict'], RouteConfigurationSchema,
    (bad) => routes((r) => (r.virtualHosts[0]!.requestHeadersToRemove = [bad ? 'x\rb' : 'x b'])), `${VH}.request_headers_to_remove[0] string.well_known_regex`),
  kase('items string in, through two Anys: router strict_check_headers', ['repeated.items.string.in'], ListenerSchema,
    (bad) => {
      const h = hcm();
      h.httpFilters[0]!.configType = { case: 'typedConfig', value: anyPack(RouterSchema, create(RouterSchema, { strictCheckHeaders: ['x-envoy-max-retries', bad ? 'x-envoy-bogus' : 'x-envoy-retry-on'] })) };
      return upstreamListener(h);
    }, `${HCM}.http_filters[0].typed_config.strict_check_headers[1] string.in`),
  kase('items string max_bytes (44 characters, 88 bytes): SPKI pin in the upstream TLS Any', ['repeated.items.string.max_bytes', 'repeated.items.string.min_len'], ClusterSchema,
    (bad) => cluster((c) => {
      const tls = create(UpstreamTlsContextSchema, { commonTlsContext: { validationContextType: { case: 'validationContext', value: { verifyCertificateSpki: [(bad ? 'é' : 'A').repeat(44)] } } } });
      c.transportSocket = create(ClusterSchema.field.transportSocket!.message!, { name: 'tls', configType: { case: 'typedConfig', value: anyPack(UpstreamTlsContextSchema, tls) } }) as never;
    }), 'transport_socket.typed_config.common_tls_context.validation_context.verify_certificate_spki[0] string.max_bytes'),
  kase('items double gt: a zero histogram bucket', ['repeated.items.double.gt', 'repeated.min_items', 'message.required'], HistogramBucketSettingsSchema, (bad) => bucketSettings(bad ? [0, 1] : [0.5, 1]), 'buckets[0] double.gt'),
  kase('repeated unique: a repeated histogram bucket', ['repeated.unique'], HistogramBucketSettingsSchema, (bad) => bucketSettings(bad ? [1, 2, 1] : [1, 2, 3]), 'buckets[2] repeated.unique'),
  kase('items enum defined_only: unknown gRPC status', ['repeated.items.enum.defined_only'], GrpcStatusFilterSchema, (bad) => create(GrpcStatusFilterSchema, { statuses: [0, bad ? 99 : 16] as never[] }), 'statuses[1] enum.defined_only'),
  kase('items uint32 gte: source port 0', ['repeated.items.uint32.gte'], ListenerSchema,
    (bad) => { const l = publicListener(); l.filterChains[0]!.filterChainMatch = create(ListenerSchema.field.filterChains!.message!.field.filterChainMatch!.message!, { sourcePorts: [bad ? 0 : 1] }) as never; return l; },
    'filter_chains[0].filter_chain_match.source_ports[0] uint32.gte'),
  kase('items uint32 lte: source port 65536', ['repeated.items.uint32.lte'], ListenerSchema,
    (bad) => { const l = publicListener(); l.filterChains[0]!.filterChainMatch = create(ListenerSchema.field.filterChains!.message!.field.filterChainMatch!.message!, { sourcePorts: [bad ? 65536 : 65535] }) as never; return l; },
    'filter_chains[0].filter_chain_match.source_ports[0] uint32.lte'),
  kase('items uint32 lt: TLV type 256', ['repeated.items.uint32.lt'], ProxyProtocolPassThroughTLVsSchema, (bad) => create(ProxyProtocolPassThroughTLVsSchema, { tlvType: [bad ? 256 : 255] }), 'tlv_type[0] uint32.lt'),
  kase('map keys string min_len: empty filter_metadata key', ['map.keys.string.min_len'], ClusterSchema,
    (bad) => cluster((c) => (c.metadata!.filterMetadata[bad ? '' : 'x'] = { a: 1 })), 'metadata.filter_metadata[""] map.keys.string.min_len'),
  kase('map min_pairs: empty xDS matcher map', ['map.min_pairs'], Matcher_MatcherTree_MatchMapSchema,
    (bad) => create(Matcher_MatcherTree_MatchMapSchema, bad ? {} : { map: { k: { onMatch: { case: 'action', value: { name: 'a', typedConfig: anyPack(RouterSchema, create(RouterSchema)) } } } } }), 'map map.min_pairs'),
  kase('bool const: stats_flush_on_admin false', ['bool.const'], BootstrapSchema, (bad) => create(BootstrapSchema, { statsFlush: { case: 'statsFlushOnAdmin', value: !bad } }), 'stats_flush_on_admin bool.const'),
  kase('bool const in a map value inside an Any: RBAC permission any=false', ['bool.const'], ListenerSchema,
    (bad) => rbacListener((r) => (r.rules!.policies['consul-intentions-layer4']!.permissions[0]!.rule = { case: 'any', value: !bad })),
    `${HCM}.rules.policies["consul-intentions-layer4"].permissions[0].any bool.const`),
];

/** Rules the protos use only in a form no value can break (`bytes.min_len: 0`, `uint64.gte: 0`). */
const ALWAYS_SATISFIED = new Set(['bytes.min_len', 'uint64.gte']);

for (const c of CASES) {
  test(c.title, () => {
    const good = validateMessage(c.schema, c.build(false));
    assert.deepEqual(good.map((v) => `${v.path} ${v.rule}: ${v.message}`), [], 'the valid variant passes');
    const bad = validateMessage(c.schema, c.build(true));
    assert.deepEqual(bad.map((v) => `${v.path} ${v.rule}`), [...c.expect]);
    for (const v of bad) assert.ok(v.message.length > 0);
  });
}

test('the exclusive duration range accepts values on either side', () => {
  for (const maxInterval of [{ seconds: 0n }, { seconds: 1n }, { seconds: 3600n }]) {
    assert.deepEqual(validateMessage(QuicKeepAliveSettingsSchema, create(QuicKeepAliveSettingsSchema, { maxInterval })), []);
  }
});

test('every rule kind used in the vendored Envoy protos is supported and has a table case', () => {
  const used = new Set<string>();
  const unsupported: string[] = [];
  let messages = 0;
  for (const t of envoyTypeRegistry) {
    if (t.kind !== 'message') continue;
    messages++;
    if (t.oneofs.some(isOneofRequired)) used.add('oneof.required');
    for (const f of t.fields) {
      const r = compileFieldRules(f);
      for (const rule of r.rules) used.add(rule);
      for (const u of r.unsupported) unsupported.push(`${t.typeName}.${f.name}: ${u}`);
    }
  }
  assert.ok(messages > 400, `registry holds the Envoy types (${messages})`);
  assert.deepEqual(unsupported, []);
  const covered = new Set(CASES.flatMap((c) => c.covers));
  const missing = [...used].filter((r) => !covered.has(r) && !ALWAYS_SATISFIED.has(r)).sort();
  assert.deepEqual(missing, [], 'rules used by the protos without a table case');
  for (const r of covered) assert.ok(used.has(r), `case covers ${r}, which the protos do not use`);
  assert.ok(used.size >= 40, `rule kinds found: ${used.size}`);
});
