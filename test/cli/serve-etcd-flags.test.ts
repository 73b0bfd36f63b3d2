// `rxds serve`'s etcd TLS/auth flags: --help lists them, every misuse is a usage error (exit 2) that names
// the problem, and parseServeOptions reads the files and the password from the environment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/cli/address.js';
import { parseServeOptions } from '../../src/cli/serve-options.js';
import { writeEtcdTlsFiles, type TlsFileSet } from '../support/etcd-tls-certs.js';
import { RXDS_BIN } from '../support/rxds-process.js';

let dir: string;
let files: TlsFileSet;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rxds-etcd-flags-'));
  files = await writeEtcdTlsFiles(dir);
  writeFileSync(join(dir, 'not-pem.txt'), 'hello\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function rxds(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv = { ...process.env, ...env };
  if (!('RXDS_ETCD_PASSWORD' in env)) delete childEnv.RXDS_ETCD_PASSWORD;
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [RXDS_BIN, ...args], { env: childEnv, timeout: 10_000 }, (_err, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

const HTTPS = ['--store', 'etcd', '--etcd-endpoints', 'https://127.0.0.1:1', '--http-addr', '127.0.0.1:0', '--grpc-addr', '127.0.0.1:0'];

test('rxds serve --help lists the etcd TLS and user flags, and says the password comes from RXDS_ETCD_PASSWORD', async () => {
  const r = await rxds(['serve', '--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const flag of ['--etcd-ca-file <file>', '--etcd-cert-file <file>', '--etcd-key-file <file>', '--etcd-username <name>']) assert.ok(r.stdout.includes(flag), flag);
  assert.match(r.stdout, /RXDS_ETCD_PASSWORD/);
  assert.doesNotMatch(r.stdout, /--etcd-password/, 'no password flag (it would show in ps)');
});

test('misused etcd TLS/auth flags exit 2 with a message that names the problem', async () => {
  const missing = join(dir, 'no-such-ca.pem');
  const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--etcd-ca-file', files.caFile, '--http-addr', '127.0.0.1:0'], {}, /--etcd-ca-file: only with --store etcd/],
    [['--store', 'sqlite', '--etcd-username', 'root'], { RXDS_ETCD_PASSWORD: 'x' }, /--etcd-username: only with --store etcd/],
    [[...HTTPS, '--etcd-ca-file', missing], {}, new RegExp(`--etcd-ca-file: cannot read ${missing} \\(ENOENT\\)`)],
    [[...HTTPS, '--etcd-cert-file', files.clientCertFile], {}, /--etcd-cert-file and --etcd-key-file go together \(got only --etcd-cert-file\)/],
    [[...HTTPS, '--etcd-key-file', files.clientKeyFile], {}, /--etcd-cert-file and --etcd-key-file go together \(got only --etcd-key-file\)/],
    [[...HTTPS, '--etcd-cert-file', files.clientCertFile, '--etcd-key-file', files.otherKeyFile], {}, /--etcd-key-file: .*other-client\.key is not the private key of .*client\.crt/],
    [[...HTTPS, '--etcd-ca-file', join(dir, 'not-pem.txt')], {}, /--etcd-ca-file: .*not-pem\.txt is not a PEM certificate/],
    [[...HTTPS, '--etcd-username', 'root'], {}, /--etcd-username needs the password in the environment variable RXDS_ETCD_PASSWORD/],
    [
      ['--store', 'etcd', '--etcd-endpoints', 'http://127.0.0.1:2379', '--etcd-ca-file', files.caFile],
      {},
      /--etcd-ca-file: TLS needs https:\/\/ etcd endpoints \(--etcd-endpoints has http:\/\/127\.0\.0\.1:2379\)/,
    ],
  ];
  const results = await Promise.all(cases.map(([args, env]) => rxds(['serve', ...args], env)));
  results.forEach((r, i) => {
    const args = cases[i]![0].join(' ');
    assert.equal(r.code, 2, `${args}: exit ${r.code}, stderr ${r.stderr}`);
    assert.match(r.stderr, cases[i]![2], args);
  });
});

test('parseServeOptions reads the etcd TLS files and takes the password from the environment it is given', () => {
  const raw = {
    store: 'etcd',
    etcdEndpoints: 'https://127.0.0.1:2379',
    etcdCaFile: files.caFile,
    etcdCertFile: files.clientCertFile,
    etcdKeyFile: files.clientKeyFile,
    etcdUsername: 'rxds',
  };
  const o = parseServeOptions(raw, { RXDS_ETCD_PASSWORD: 's3cret' });
  assert.deepEqual(o.etcdTls, { ca: readFileSync(files.caFile), cert: readFileSync(files.clientCertFile), key: readFileSync(files.clientKeyFile) });
  assert.deepEqual(o.etcdAuth, { username: 'rxds', password: 's3cret' });
  assert.throws(() => parseServeOptions(raw, {}), (e) => e instanceof UsageError && /RXDS_ETCD_PASSWORD/.test(e.message));
  assert.throws(() => parseServeOptions({ ...raw, etcdUsername: '' }, { RXDS_ETCD_PASSWORD: 'x' }), /--etcd-username: must not be empty/);
  const caOnly = parseServeOptions({ store: 'etcd', etcdEndpoints: 'https://etcd.example:2379', etcdCaFile: files.caFile }, {});
  assert.deepEqual([Object.keys(caOnly.etcdTls ?? {}), caOnly.etcdAuth], [['ca'], undefined]);
  const none = parseServeOptions({ store: 'etcd', etcdEndpoints: 'https://etcd.example:2379' }, {});
  assert.deepEqual([none.etcdTls, none.etcdAuth], [undefined, undefined]);
  assert.throws(
    () => parseServeOptions({ store: 'etcd', etcdEndpoints: 'https://etcd.example:2379' }, { RXDS_ETCD_PASSWORD: 'not used without a user' }),
    (e) => e instanceof UsageError && /RXDS_ETCD_PASSWORD is set but --etcd-username is not/.test(e.message),
    'a password with no user to log in as is an error, not silently unused',
  );
  const sqlite = parseServeOptions({}, { RXDS_ETCD_PASSWORD: 'exported for another tool' });
  assert.equal(sqlite.etcdAuth, undefined, 'without --store etcd the variable is none of rxds serve\'s business');
});
