#!/usr/bin/env node
// Copies the import closure of the Envoy/xDS protos rxds uses from the protos that
// @grpc/grpc-js-xds ships (deps/) into protos/. Run once when upgrading; the result is committed.
import { readFileSync, writeFileSync, mkdirSync, copyFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const depsRoot = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const includeDirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(depsRoot, d));
const outDir = new URL('../protos/', import.meta.url).pathname;

export const roots = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/cluster/v3/cds.proto',
  'envoy/service/endpoint/v3/eds.proto',
  'envoy/service/listener/v3/lds.proto',
  'envoy/service/route/v3/rds.proto',
  'envoy/service/secret/v3/sds.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/config/rbac/v3/rbac.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
];

// google/protobuf/* well-known types come with buf and @bufbuild/protobuf/wkt.
const provided = (p) => p.startsWith('google/protobuf/');
const seen = new Set();
const queue = [...roots];
while (queue.length) {
  const file = queue.shift();
  if (seen.has(file) || provided(file)) continue;
  seen.add(file);
  const dir = includeDirs.find((d) => existsSync(join(d, file)));
  if (!dir) throw new Error(`cannot find ${file} in ${includeDirs.join(', ')}`);
  const text = readFileSync(join(dir, file), 'utf8');
  for (const m of text.matchAll(/^import\s+(?:public\s+|weak\s+)?"([^"]+)";/gm)) queue.push(m[1]);
  mkdirSync(dirname(join(outDir, file)), { recursive: true });
  copyFileSync(join(dir, file), join(outDir, file));
}
console.log(`vendored ${seen.size} files into protos/`);

// The validate.proto grpc-js-xds ships predates the Envoy protos beside it: Envoy uses
// StringRules.ignore_empty (field 26 upstream in protoc-gen-validate), which it lacks.
const validatePath = join(outDir, 'validate/validate.proto');
const validate = readFileSync(validatePath, 'utf8');
if (!validate.includes('ignore_empty')) {
  const anchor = /( {2}optional bool strict = 25 \[default = true\];)(\r?\n)/;
  if (!anchor.test(validate)) throw new Error('validate.proto changed shape; patch StringRules by hand');
  const patched = validate.replace(
    anchor,
    '$1$2$2  // Added by rxds (upstream protoc-gen-validate field 26): skip the rules when the value is empty.$2' +
      '  optional bool ignore_empty = 26;$2',
  );
  writeFileSync(validatePath, patched);
}
