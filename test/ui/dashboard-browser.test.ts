// The dashboard in a real browser against a real `rxds serve` and a real xDS client that NACKs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { BehaviorSubject } from 'rxjs';
import { createHttpServer } from '../../src/core/http/http-server.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { createAdminApi } from '../../src/sinks/admin/admin-api.js';
import type { Readiness } from '../../src/sinks/admin/admin-deps.js';
import { createUiRoute } from '../../src/sinks/ui/ui-route.js';
import { cluster } from '../support/fixtures.js';
import { startRxdsProcess } from '../support/rxds-process.js';
import { SotwClient } from '../support/xds-client.js';
import { XdsHarness } from '../support/xds-harness.js';
import { launchChromium } from './browser.js';

const CDS = TypeUrl.Cluster;
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
const NACK_MESSAGE = 'cluster web.default: unknown lb_policy "ROUND_ROBIN_PLEASE"';

async function register(httpUrl: string, body: unknown): Promise<void> {
  const res = await fetch(`${httpUrl}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.text());
}

/** Polls the server (another process) until `fn` returns a value. */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('the dashboard lists services and proxies, shows the NACK message, and updates live on a registration', async (t) => {
  const server = await startRxdsProcess();
  t.after(() => server.stop());
  await register(server.httpUrl, {
    Name: 'web',
    ID: 'web-1',
    Address: '127.0.0.1',
    Port: 8080,
    Check: { CheckID: 'web-1-ttl', Name: 'web alive', TTL: '60s', Status: 'passing' },
    Connect: { SidecarService: {} },
  });

  const port = Number(server.grpcAddr.split(':').at(-1));
  const sidecar = new SotwClient(port, { nodeId: 'web-1-sidecar-proxy' });
  t.after(() => sidecar.close());
  sidecar.subscribe(CDS, []);
  sidecar.nack(await sidecar.nextOf(CDS), NACK_MESSAGE);
  await eventually('the NACK in /v1/rxds/proxies', async () => {
    const list = (await (await fetch(`${server.httpUrl}/v1/rxds/proxies`)).json()) as Array<{ Types: Array<{ NackError: string | null }> }>;
    return list[0]?.Types.some((x) => x.NackError === NACK_MESSAGE) ? true : undefined;
  });

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  const apiRequests: Array<{ url: string; token: string | undefined }> = [];
  page.on('request', (req) => {
    if (new URL(req.url()).pathname.startsWith('/v1/')) apiRequests.push({ url: req.url(), token: req.headers()['x-consul-token'] });
  });

  // Opened as an operator would: the root, with a token; it redirects to /ui/ keeping the token.
  await page.goto(`${server.httpUrl}/?token=dashboard-token`);
  assert.equal(new URL(page.url()).pathname, '/ui/');

  // Services with their instances and health (the sidecar is a service of its own, kind connect-proxy).
  const web = page.locator('article[data-service="web"]');
  await web.locator('tr[data-instance="web-1"]').waitFor({ timeout: 10_000 });
  assert.match(await web.locator('tr[data-instance="web-1"]').innerText(), /127\.0\.0\.1:8080[\s\S]*PASSING[\s\S]*web alive/i);
  await page.locator('article[data-service="web-sidecar-proxy"]').waitFor({ timeout: 10_000 });

  // The proxy with its per-type status and the NACK's message, in words (not only a colour).
  const proxy = page.locator('tr[data-proxy="web-1-sidecar-proxy"]');
  await proxy.waitFor({ timeout: 10_000 });
  assert.match(await proxy.locator('li[data-type="CDS"]').innerText(), /CDS\s+✕?\s*NACKED/);
  assert.equal(await proxy.locator('[data-nack="CDS"] .nack-message').innerText(), NACK_MESSAGE);
  assert.match(await proxy.locator('th').first().innerText(), /web-1-sidecar-proxy/);
  assert.match(await proxy.locator('td').first().innerText(), /^web$/);

  // Live: a new service and a second instance of web show up without a reload (blocking queries).
  await register(server.httpUrl, { Name: 'api', ID: 'api-1', Address: '127.0.0.1', Port: 9090 });
  await register(server.httpUrl, { Name: 'web', ID: 'web-2', Address: '127.0.0.2', Port: 8080, Check: { TTL: '60s' } });
  await page.locator('article[data-service="api"] tr[data-instance="api-1"]').waitFor({ timeout: 10_000 });
  await web.locator('tr[data-instance="web-2"]').waitFor({ timeout: 10_000 });
  assert.match(await web.locator('tr[data-instance="web-2"]').innerText(), /CRITICAL/, 'a TTL check starts critical');
  assert.match(await web.locator('h3').innerText(), /2 instances · 1 passing · 0 warning · 1 critical/);

  // The proxy's live config from the watch stream.
  await proxy.getByRole('button', { name: 'Watch config' }).click();
  await page.locator('#config .watch-live').waitFor({ timeout: 10_000 });
  assert.match(await page.locator('#config').innerText(), /Watching web-1-sidecar-proxy[\s\S]*full configuration received/);

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });

  assert.ok(apiRequests.length > 0);
  assert.deepEqual(apiRequests.filter((r) => r.token !== 'dashboard-token'), [], 'every API call carries the ?token= as X-Consul-Token');
  assert.deepEqual(pageErrors, []);
});

test("a proxy's config view applies the watch stream's patches and lists each change in its history", async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const admin = createAdminApi({ xds: h.xds, ready$: new BehaviorSubject<Readiness>(true) });
  const http = createHttpServer([admin, createUiRoute()]);
  const { url } = await http.listen(0, '127.0.0.1');
  t.after(async () => {
    admin.closeWatches();
    await http.close();
  });

  h.publish('frontend', [cluster('backend')]);
  const c = h.sotw('frontend');
  c.subscribe(CDS, []);
  await c.nextAcked(CDS);

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.goto(`${url}/ui/#proxy=frontend`);
  const config = page.locator('#config');
  await config.locator('.watch-live').waitFor({ timeout: 10_000 });
  await config.getByText('Current configuration (1 resource)').waitFor({ timeout: 10_000 });

  h.publish('frontend', [cluster('backend'), cluster('payments')]);
  await c.nextAcked(CDS);
  await config.getByText('Current configuration (2 resources)').waitFor({ timeout: 10_000 });
  const history = config.locator('ol.history > li');
  assert.equal(await history.count(), 2);
  assert.match(await history.first().innerText(), /1 change[\s\S]*add[\s\S]*Resources › type\.googleapis\.com\/envoy\.config\.cluster\.v3\.Cluster › payments/i);

  // What the page holds after applying the patch is exactly what /config answers.
  const shown = JSON.parse(await config.locator('pre.json').first().innerText()) as Record<string, unknown>;
  const served = (await (await fetch(`${url}/v1/rxds/proxies/frontend/config`)).json()) as { Resources: Record<string, Record<string, unknown>> };
  assert.deepEqual(shown, served.Resources[CDS]);
  assert.deepEqual(Object.keys(shown).sort(), ['backend', 'payments']);
  assert.deepEqual(pageErrors, []);
});
