// A tiny element builder: every text goes through text nodes, never innerHTML (no markup injection).

/**
 * h('tr', { class: 'x', 'data-id': id }, child, 'text', [more, children]) -> an Element.
 * Attribute values of null/undefined/false are skipped; `on*` functions become event listeners.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the content of `el` with `children`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** A status badge: colour from the status, and always its name as text (colour is never the only cue). */
export function badge(status, label = status) {
  const kind = String(status).toLowerCase().replace(/[^a-z]+/g, '-');
  return h('span', { class: `badge badge-${kind}` }, label);
}

/** "3 s ago", "2 min ago" from a millisecond age; "never" for null. */
export function ago(ms) {
  if (ms === null || ms === undefined) return 'never';
  if (ms < 1000) return 'just now';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  return `${Math.round(m / 60)} h ago`;
}
