// Connected proxies with per-type sync status and NACK errors, refreshed periodically.
import { getJson, isAbort, sleep } from './api.js';
import { ago, badge, h, replace } from './dom.js';

const REFRESH_MS = 2000;

const STATUS_HELP = {
  SYNCED: 'the proxy ACKed the latest version',
  'NOT SENT': 'subscribed, nothing sent yet',
  STALE: 'sent, not yet ACKed',
  NACKED: 'the proxy rejected the last version',
};

/** Polls GET /v1/rxds/proxies; `onWatch(nodeId)` when the user picks a proxy's config to watch. */
export function startProxiesView(container, { onWatch, onError, onOk, selected }) {
  const stop = new AbortController();
  let last = [];

  const render = () => {
    container.setAttribute('aria-busy', 'false');
    if (last.length === 0) {
      replace(container, h('p', { class: 'empty' }, 'No proxies connected.'));
      return;
    }
    replace(container, h('table', { class: 'proxies' },
      h('thead', {}, h('tr', {}, ['Proxy', 'Service', 'Stream', 'Resource types', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, last.map((p) => renderProxy(p, selected(), onWatch))),
    ));
  };

  const loop = async () => {
    const signal = stop.signal;
    while (!signal.aborted) {
      try {
        const { body } = await getJson('/v1/rxds/proxies', { signal });
        last = Array.isArray(body) ? body : [];
        render();
        onOk();
      } catch (err) {
        if (isAbort(err, signal)) return;
        onError(err);
      }
      await sleep(REFRESH_MS, signal).catch(() => {});
    }
  };
  void loop();
  return { stop: () => stop.abort(), rerender: render };
}

function renderProxy(p, selectedId, onWatch) {
  const nacks = (p.Types ?? []).filter((t) => t.NackError);
  const isSelected = p.NodeID === selectedId;
  return h('tr', { 'data-proxy': p.NodeID, class: isSelected ? 'selected' : null },
    h('th', { scope: 'row', class: 'mono' }, p.NodeID),
    h('td', {}, p.Service),
    h('td', {}, p.Kind === 'delta' ? 'Delta' : 'SotW', h('br'), h('span', { class: 'muted' }, `${(p.Streams ?? []).length} stream(s)`)),
    h('td', {},
      h('ul', { class: 'types' }, (p.Types ?? []).map((t) =>
        h('li', { 'data-type': t.Type, title: `${t.TypeURL}\n${STATUS_HELP[t.Status] ?? ''}` },
          h('span', { class: 'type-name' }, t.Type), ' ', badge(t.Status),
          h('span', { class: 'muted' }, ` ${t.Resources} resource${t.Resources === 1 ? '' : 's'}, sent ${ago(t.SentAgeMs)}`)))),
      nacks.map((t) => h('p', { class: 'nack', role: 'alert', 'data-nack': t.Type },
        h('strong', {}, `${t.Type} rejected`), ` (${ago(t.NackAgeMs)}): `, h('span', { class: 'nack-message' }, t.NackError))),
    ),
    h('td', {}, h('button', {
      type: 'button',
      'aria-pressed': isSelected ? 'true' : 'false',
      onclick: () => onWatch(p.NodeID),
    }, isSelected ? 'Watching' : 'Watch config')),
  );
}
