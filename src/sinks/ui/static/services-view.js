// Services and their instances with health, kept live with Consul blocking queries (?index=&wait=).
import { getJson, isAbort, semaphore, sleep } from './api.js';
import { badge, h, replace } from './dom.js';

const WAIT = '15s';
/** Blocking health queries held at once: the browser's per-host connection pool is small. */
const HEALTH_SLOTS = 3;

const STATUS_RANK = { passing: 0, warning: 1, critical: 2 };

/** An instance's health: the worst of its checks; "passing" without checks (as Consul reports it). */
export function instanceHealth(entry) {
  let worst = 'passing';
  for (const c of entry.Checks ?? []) {
    const s = String(c.Status ?? '').toLowerCase();
    if ((STATUS_RANK[s] ?? 2) > STATUS_RANK[worst]) worst = STATUS_RANK[s] === undefined ? 'critical' : s;
  }
  return worst;
}

export function startServicesView(container, { onError, onOk }) {
  const services = new Map(); // name -> { tags, entries, loop: AbortController }
  const slots = semaphore(HEALTH_SLOTS);
  const stop = new AbortController();

  const render = () => {
    container.setAttribute('aria-busy', 'false');
    if (services.size === 0) {
      replace(container, h('p', { class: 'empty' }, 'No services registered.'));
      return;
    }
    const names = [...services.keys()].sort();
    replace(container, names.map((name) => renderService(name, services.get(name))));
  };

  const watchHealth = async (name, signal) => {
    let index = '0';
    while (!signal.aborted) {
      let failed = false;
      await slots.acquire();
      try {
        const path = `/v1/health/service/${encodeURIComponent(name)}?index=${encodeURIComponent(index)}&wait=${WAIT}`;
        const { body, index: next } = await getJson(path, { signal });
        const svc = services.get(name);
        if (!svc) return;
        svc.entries = Array.isArray(body) ? body : [];
        svc.error = undefined;
        index = resetIfBackwards(index, next);
        render();
        onOk();
      } catch (err) {
        if (isAbort(err, signal)) return;
        failed = true;
        const svc = services.get(name);
        if (svc) svc.error = err.message;
        render();
        onError(err);
      } finally {
        slots.release();
      }
      if (failed) await sleep(2000, signal).catch(() => {});
    }
  };

  const watchCatalog = async () => {
    let index = '0';
    const signal = stop.signal;
    while (!signal.aborted) {
      try {
        const { body, index: next } = await getJson(`/v1/catalog/services?index=${encodeURIComponent(index)}&wait=${WAIT}`, { signal });
        index = resetIfBackwards(index, next);
        const current = body && typeof body === 'object' ? body : {};
        for (const [name, svc] of services) {
          if (!(name in current)) {
            svc.loop.abort();
            services.delete(name);
          }
        }
        for (const [name, tags] of Object.entries(current)) {
          const known = services.get(name);
          if (known) {
            known.tags = tags;
            continue;
          }
          const loop = new AbortController();
          stop.signal.addEventListener('abort', () => loop.abort(), { once: true });
          services.set(name, { tags, entries: undefined, loop });
          void watchHealth(name, loop.signal);
        }
        render();
        onOk();
      } catch (err) {
        if (isAbort(err, signal)) return;
        onError(err);
        await sleep(2000, signal).catch(() => {});
      }
    }
  };

  void watchCatalog();
  return { stop: () => stop.abort() };
}

/** Consul clients start over from 0 when the index goes backwards (e.g. a restored store). */
function resetIfBackwards(prev, next) {
  if (next === undefined) return prev;
  return Number(next) < Number(prev) ? '0' : next;
}

function renderService(name, svc) {
  const entries = svc.entries;
  const counts = { passing: 0, warning: 0, critical: 0 };
  for (const e of entries ?? []) counts[instanceHealth(e)]++;
  const headingId = `svc-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const summary = entries === undefined
    ? 'loading instances…'
    : `${entries.length} instance${entries.length === 1 ? '' : 's'}` +
      (entries.length ? ` · ${counts.passing} passing · ${counts.warning} warning · ${counts.critical} critical` : '');
  return h('article', { class: 'service', 'data-service': name, 'aria-labelledby': headingId },
    h('h3', { id: headingId }, name, ' ', h('span', { class: 'muted' }, summary)),
    (svc.tags ?? []).length ? h('p', { class: 'tags' }, svc.tags.map((t) => h('span', { class: 'tag' }, t))) : null,
    svc.error ? h('p', { class: 'error', role: 'alert' }, `Could not load instances: ${svc.error}`) : null,
    entries && entries.length ? renderInstances(entries) : null,
  );
}

function renderInstances(entries) {
  const sorted = [...entries].sort((a, b) => String(a.Service?.ID).localeCompare(String(b.Service?.ID)));
  return h('table', { class: 'instances' },
    h('thead', {}, h('tr', {}, ['Instance', 'Address', 'Kind', 'Health', 'Checks'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, sorted.map((e) => {
      const s = e.Service ?? {};
      const health = instanceHealth(e);
      const address = `${s.Address || e.Node?.Address || ''}${s.Port ? `:${s.Port}` : ''}`;
      return h('tr', { 'data-instance': s.ID },
        h('th', { scope: 'row' }, s.ID ?? ''),
        h('td', { class: 'mono' }, address),
        h('td', {}, s.Kind || 'service'),
        h('td', {}, badge(health)),
        h('td', {}, (e.Checks ?? []).length === 0
          ? h('span', { class: 'muted' }, 'no checks')
          : h('ul', { class: 'checks' }, e.Checks.map((c) =>
            h('li', {}, badge(String(c.Status).toLowerCase()), ' ', c.Name || c.CheckID, c.Output ? h('span', { class: 'muted' }, ` — ${c.Output}`) : null)))),
      );
    })),
  );
}
