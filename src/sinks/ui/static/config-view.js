// A proxy's live configuration: the `config` event of /v1/rxds/proxies/:id/watch, then `patch` events
// (RFC 6902) applied in the page, each kept in a change history.
import { isAbort, sleep } from './api.js';
import { h, replace } from './dom.js';
import { applyPatch, describePointer } from './json-patch.js';
import { readSse } from './sse.js';

const MAX_HISTORY = 50;
const RETRY_MS = 2000;

export function watchProxyConfig(container, nodeId) {
  const stop = new AbortController();
  let config;
  let state = 'connecting';
  let error;
  const history = []; // newest first: { at: Date, kind: 'config'|'patch', ops }

  const statusText = () => ({
    connecting: 'Connecting…',
    live: 'Live',
    ended: 'Stream ended; reconnecting…',
    failed: `Error: ${error}`,
  })[state];

  const render = () => {
    const count = config ? Object.values(config.Resources ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0) : 0;
    replace(container,
      h('div', { class: 'config-head' },
        h('h3', {}, 'Watching ', h('span', { class: 'mono' }, nodeId)),
        h('p', { class: `watch-state watch-${state}`, role: 'status' }, statusText()),
      ),
      h('div', { class: 'config-body' },
        h('div', { class: 'config-current' },
          h('h4', {}, `Current configuration (${count} resource${count === 1 ? '' : 's'})`),
          config ? renderConfig(config) : h('p', { class: 'empty' }, 'Waiting for the first configuration…'),
        ),
        h('div', { class: 'config-history' },
          h('h4', {}, 'Change history'),
          history.length === 0
            ? h('p', { class: 'empty' }, 'No changes yet.')
            : h('ol', { class: 'history', reversed: true }, history.map(renderChange)),
        ),
      ),
    );
  };

  const run = async () => {
    const signal = stop.signal;
    while (!signal.aborted) {
      state = 'connecting';
      render();
      try {
        await readSse(`/v1/rxds/proxies/${encodeURIComponent(nodeId)}/watch`, (ev) => {
          if (ev.event === 'config') {
            config = JSON.parse(ev.data);
            history.unshift({ at: new Date(), kind: 'config', ops: [] });
          } else if (ev.event === 'patch') {
            const ops = JSON.parse(ev.data);
            config = applyPatch(config, ops);
            history.unshift({ at: new Date(), kind: 'patch', ops });
          } else return;
          history.length = Math.min(history.length, MAX_HISTORY);
          state = 'live';
          render();
        }, { signal });
        state = 'ended';
      } catch (err) {
        if (isAbort(err, signal)) return;
        state = 'failed';
        error = err.message;
      }
      render();
      await sleep(RETRY_MS, signal).catch(() => {});
    }
  };
  void run();
  return { stop: () => stop.abort() };
}

function renderConfig(config) {
  const types = Object.entries(config.Resources ?? {});
  if (types.length === 0) return h('p', { class: 'empty' }, 'Nothing sent to this proxy yet.');
  return types.map(([typeUrl, byName]) =>
    h('details', { class: 'type-config', open: true },
      h('summary', {}, shortType(typeUrl), ' ', h('span', { class: 'muted' }, `${Object.keys(byName).length} · ${typeUrl}`)),
      h('pre', { class: 'json', tabindex: '0' }, JSON.stringify(byName, null, 2)),
    ));
}

function renderChange(change) {
  const time = change.at.toLocaleTimeString();
  if (change.kind === 'config') {
    return h('li', { class: 'change' }, h('time', { datetime: change.at.toISOString() }, time), ' full configuration received');
  }
  return h('li', { class: 'change' },
    h('time', { datetime: change.at.toISOString() }, time),
    ` ${change.ops.length} change${change.ops.length === 1 ? '' : 's'}`,
    h('ul', {}, change.ops.map((op) => h('li', {},
      h('span', { class: `op op-${op.op}` }, op.op), ' ', describePointer(op.path),
      'value' in op && (op.value === null || typeof op.value !== 'object')
        ? h('span', { class: 'mono' }, ` = ${JSON.stringify(op.value)}`) : null))),
  );
}

/** "type.googleapis.com/envoy.config.cluster.v3.Cluster" -> "Cluster". */
function shortType(typeUrl) {
  return typeUrl.split(/[./]/).pop();
}
