// RFC 6902 JSON Patch, applied to a copy of a document (RFC 6901 pointers).

/** Returns `doc` with `ops` applied in order; throws on an operation that does not apply. */
export function applyPatch(doc, ops) {
  let root = structuredClone(doc);
  for (const op of ops) root = applyOne(root, op);
  return root;
}

function parsePointer(pointer) {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`bad JSON pointer ${JSON.stringify(pointer)}`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(root, tokens) {
  let cur = root;
  for (const t of tokens) {
    if (cur === null || typeof cur !== 'object' || !(t in cur)) throw new Error(`path not found: /${tokens.join('/')}`);
    cur = cur[t];
  }
  return cur;
}

function arrayIndex(arr, token, forAdd) {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new Error(`bad array index ${token}`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new Error(`array index ${i} out of range`);
  return i;
}

function add(root, tokens, value) {
  if (tokens.length === 0) return value;
  const parent = get(root, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true), 0, value);
  else if (parent !== null && typeof parent === 'object') parent[last] = value;
  else throw new Error(`cannot add below a non-container at /${tokens.join('/')}`);
  return root;
}

function remove(root, tokens) {
  if (tokens.length === 0) return undefined;
  const parent = get(root, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false), 1);
  else if (parent !== null && typeof parent === 'object' && last in parent) delete parent[last];
  else throw new Error(`path not found: /${tokens.join('/')}`);
  return root;
}

function applyOne(root, op) {
  const path = parsePointer(op.path);
  switch (op.op) {
    case 'add':
      return add(root, path, structuredClone(op.value));
    case 'remove':
      return remove(root, path);
    case 'replace':
      get(root, path);
      return add(remove(root, path) ?? root, path, structuredClone(op.value));
    case 'move': {
      const from = parsePointer(op.from);
      const value = get(root, from);
      return add(remove(root, from), path, value);
    }
    case 'copy':
      return add(root, path, structuredClone(get(root, parsePointer(op.from))));
    case 'test':
      if (JSON.stringify(get(root, path)) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`);
      return root;
    default:
      throw new Error(`unknown patch operation ${JSON.stringify(op.op)}`);
  }
}

/** A JSON pointer as readable text: "/Resources/a~1b/x" -> "Resources › a/b › x". */
export function describePointer(pointer) {
  return parsePointer(pointer).join(' › ') || '(whole document)';
}
