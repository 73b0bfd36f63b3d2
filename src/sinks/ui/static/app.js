// The dashboard: services (blocking queries), proxies (polled), one proxy's live config (SSE patches).
import { watchProxyConfig } from './config-view.js';
import { startProxiesView } from './proxies-view.js';
import { startServicesView } from './services-view.js';

const connection = document.getElementById('connection');
let lastError;
const onError = (err) => {
  lastError = err;
  connection.textContent = `Problem talking to rxds: ${err.message}`;
  connection.className = 'connection connection-error';
};
const onOk = () => {
  if (lastError) lastError = undefined;
  connection.textContent = `Connected to ${location.host} · updated ${new Date().toLocaleTimeString()}`;
  connection.className = 'connection connection-ok';
};

const configContainer = document.getElementById('config');
let watch;
let selectedId = location.hash.startsWith('#proxy=') ? decodeURIComponent(location.hash.slice('#proxy='.length)) : undefined;

const proxies = startProxiesView(document.getElementById('proxies'), {
  onError,
  onOk,
  selected: () => selectedId,
  onWatch: (nodeId) => select(nodeId),
});

function select(nodeId) {
  watch?.stop();
  selectedId = nodeId;
  history.replaceState(null, '', `${location.pathname}${location.search}#proxy=${encodeURIComponent(nodeId)}`);
  watch = watchProxyConfig(configContainer, nodeId);
  proxies.rerender();
}

startServicesView(document.getElementById('services'), { onError, onOk });
if (selectedId) select(selectedId);
