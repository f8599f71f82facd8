/* schemagate schema browser.
 *
 * A single page that talks to the same REST API as every other client. Routing
 * is by URL hash, so every view has a link that can be shared. Every value
 * that comes from the registry is put into the page as text (textContent),
 * never as HTML: schemas are user input.
 */
'use strict';

const MEDIA = 'application/vnd.schemaregistry.v1+json';
const PAGE_SIZE = 50;
const LEVELS = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'];
const MODES = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'];

/* ---------- small DOM helpers ---------- */

/* h('a', {href: '#/'}, 'text', child...) builds an element; strings become text nodes. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function main() { return document.getElementById('main'); }

/* Replaces el's children; null, undefined and false are skipped, so views can
 * write `cond ? node : null`. */
function put(el, ...nodes) {
  el.replaceChildren(...nodes.flat(2).filter(n => n !== null && n !== undefined && n !== false));
}

function show(...nodes) {
  put(main(), ...nodes);
}

function errorBox(err) {
  return h('div', {class: 'error', role: 'alert'}, err instanceof ApiError ? err.describe() : String(err && err.message || err));
}

/* ---------- the API ---------- */

class ApiError extends Error {
  constructor(status, body, path) {
    super((body && body.message) || ('HTTP ' + status));
    this.status = status;
    this.body = body;
    this.path = path;
  }
  describe() {
    const code = this.body && this.body.error_code ? ' (error_code ' + this.body.error_code + ')' : '';
    return this.path + ': ' + this.message + code;
  }
}

async function api(method, path, body) {
  const init = {method, headers: {'Accept': MEDIA + ', application/json'}};
  if (body !== undefined) {
    init.headers['Content-Type'] = MEDIA;
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, {message: 'the registry did not answer (' + e.message + ')'}, path);
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = {message: text.slice(0, 300)}; }
  if (!res.ok) throw new ApiError(res.status, data, path);
  return data;
}

const enc = encodeURIComponent;

/* ---------- JSON rendering ---------- */

function parseSchema(text) {
  try { return JSON.parse(text); } catch (e) { return text; }
}

function pretty(value) {
  return typeof value === 'string' && !value.trim().startsWith('{') && !value.trim().startsWith('[')
    ? JSON.stringify(value) : JSON.stringify(value, null, 2);
}

/* A <pre> with JSON tokens coloured, built from text nodes only. */
function codeBlock(text, label) {
  const pre = h('pre', {class: 'code', tabindex: 0, 'aria-label': label || 'schema'});
  const re = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) pre.append(text.slice(last, m.index));
    const cls = m[1] ? (m[2] ? 'k' : 's') : m[3] ? 'l' : 'n';
    pre.append(h('span', {class: cls}, m[1] || m[0]));
    if (m[2]) pre.append(m[2]);
    last = m.index + m[0].length;
  }
  pre.append(text.slice(last));
  return pre;
}

/* ---------- Avro field tree ---------- */

function typeLabel(t) {
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return 'union [' + t.map(typeLabel).join(', ') + ']';
  if (t && typeof t === 'object') {
    const lt = t.logicalType ? ' (' + t.logicalType + ')' : '';
    if (t.type === 'array') return 'array<' + typeLabel(t.items) + '>';
    if (t.type === 'map') return 'map<' + typeLabel(t.values) + '>';
    if (t.name) return t.type + ' ' + t.name + lt;
    return t.type + lt;
  }
  return String(t);
}

function avroChildren(t) {
  if (Array.isArray(t)) return t.filter(b => b && typeof b === 'object');
  if (!t || typeof t !== 'object') return [];
  if (t.type === 'record' || t.type === 'error') return [t];
  if (t.type === 'array') return avroChildren(t.items);
  if (t.type === 'map') return avroChildren(t.values);
  if (t.type === 'enum') return [t];
  return [];
}

function avroTree(schema, depth) {
  depth = depth || 0;
  const ul = h('ul');
  if (depth > 50) return ul;
  if (schema && (schema.type === 'record' || schema.type === 'error') && Array.isArray(schema.fields)) {
    for (const f of schema.fields) {
      const li = h('li', {},
        h('strong', {}, f.name), ': ', h('span', {class: 'ty'}, typeLabel(f.type)),
        'default' in f ? [' = ', h('span', {class: 'df'}, JSON.stringify(f.default))] : null,
        f.doc ? [' ', h('span', {class: 'doc'}, '— ' + f.doc)] : null);
      for (const c of avroChildren(f.type)) li.append(avroTree(c, depth + 1));
      ul.append(li);
    }
  } else if (schema && schema.type === 'enum') {
    ul.append(h('li', {}, 'symbols: ', h('span', {class: 'ty'}, (schema.symbols || []).join(', ')),
      schema.default ? [' (default ', h('span', {class: 'df'}, schema.default), ')'] : null));
  } else {
    ul.append(h('li', {}, h('span', {class: 'ty'}, typeLabel(schema))));
  }
  return ul;
}

/* ---------- structural diff ---------- */

/* Flattens a value into {pointer: leaf JSON}. Arrays of objects with a "name"
 * (Avro fields, enum-like lists) are keyed by name, so a moved field is not
 * reported as a change of every later index. */
function flatten(value, base, out) {
  out = out || new Map();
  base = base || '';
  const tok = s => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
  if (Array.isArray(value)) {
    const named = value.length > 0 && value.every(v => v && typeof v === 'object' && !Array.isArray(v) && typeof v.name === 'string');
    value.forEach((v, i) => flatten(v, base + '/' + tok(named ? v.name : i), out));
    if (value.length === 0) out.set(base, '[]');
  } else if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    for (const k of keys) flatten(value[k], base + '/' + tok(k), out);
    if (keys.length === 0) out.set(base, '{}');
  } else {
    out.set(base || '/', JSON.stringify(value));
  }
  return out;
}

/* Every pointer that is a prefix (ancestor or self) of a leaf pointer. */
function prefixes(flat) {
  const set = new Set(['']);
  for (const p of flat.keys()) {
    let i = 0;
    while ((i = p.indexOf('/', i + 1)) > 0) set.add(p.slice(0, i));
    set.add(p);
  }
  return set;
}

/* The highest ancestor of `p` (or p itself) that `other` does not have, so a
 * whole added field is one change, not one per attribute. */
function topmost(p, other) {
  let i = 0;
  while ((i = p.indexOf('/', i + 1)) > 0) if (!other.has(p.slice(0, i))) return p.slice(0, i);
  return p;
}

function structuralChanges(a, b) {
  const fa = flatten(a), fb = flatten(b), changes = [];
  const pa = prefixes(fa), pb = prefixes(fb), seen = new Set();
  const whole = (value, p) => {
    let v = value;
    for (const tok of p.split('/').slice(1)) {
      const key = tok.replace(/~1/g, '/').replace(/~0/g, '~');
      if (Array.isArray(v)) v = v.find(x => x && x.name === key) || v[Number(key)];
      else v = v ? v[key] : undefined;
    }
    return JSON.stringify(v);
  };
  for (const [p, v] of fa) {
    if (!fb.has(p)) {
      const top = topmost(p, pb);
      if (!seen.has('-' + top)) { seen.add('-' + top); changes.push({kind: 'removed', pointer: top, old: top === p ? v : whole(a, top)}); }
    } else if (fb.get(p) !== v) changes.push({kind: 'changed', pointer: p, old: v, now: fb.get(p)});
  }
  for (const [p, v] of fb) {
    if (fa.has(p)) continue;
    const top = topmost(p, pa);
    if (!seen.has('+' + top)) { seen.add('+' + top); changes.push({kind: 'added', pointer: top, now: top === p ? v : whole(b, top)}); }
  }
  return changes;
}

function sideBySide(oldText, newText) {
  const grid = h('div', {class: 'diff', role: 'table', 'aria-label': 'side-by-side diff'});
  const parts = window.Diff ? window.Diff.diffLines(oldText, newText) : [{value: oldText, removed: true}, {value: newText, added: true}];
  const lines = s => s.replace(/\n$/, '').split('\n');
  let pendingDel = [];
  const flush = adds => {
    const n = Math.max(pendingDel.length, adds.length);
    for (let i = 0; i < n; i++) {
      grid.append(i < pendingDel.length ? h('div', {class: 'del'}, '- ' + pendingDel[i]) : h('div', {class: 'gap'}, ''));
      grid.append(i < adds.length ? h('div', {class: 'add'}, '+ ' + adds[i]) : h('div', {class: 'gap'}, ''));
    }
    pendingDel = [];
  };
  for (const part of parts) {
    if (part.removed) { pendingDel = pendingDel.concat(lines(part.value)); continue; }
    if (part.added) { flush(lines(part.value)); continue; }
    flush([]);
    for (const l of lines(part.value)) grid.append(h('div', {}, '  ' + l), h('div', {}, '  ' + l));
  }
  flush([]);
  return grid;
}

/* ---------- compatibility messages ---------- */

/* Turns Confluent's verbose messages into {rule, location, text}. */
function parseReasons(messages) {
  const out = [];
  for (const m of messages || []) {
    if (typeof m !== 'string' || m.startsWith('{oldSchema') || m.startsWith('{validateFields')) continue;
    const type = /errorType:['"]([A-Z_]+)/.exec(m);
    const desc = /description:['"](.*?)['"]?(?:, additionalInfo:|}$)/.exec(m);
    const text = desc ? desc[1] : m;
    const path = /path '([^']*)'/.exec(text);
    out.push({rule: type ? type[1] : '', location: path ? path[1] : '', text});
  }
  return out;
}

function reasonList(reasons) {
  return h('ul', {class: 'reasons'}, reasons.map(r => h('li', {},
    r.location ? [h('code', {}, r.location), ' '] : null,
    r.rule ? [h('span', {class: 'pill'}, r.rule), ' '] : null,
    r.text)));
}

/* ---------- confirmation ---------- */

function confirmDialog(question) {
  return new Promise(resolve => {
    const dlg = h('dialog', {'aria-label': 'Confirm'},
      h('p', {}, question),
      h('div', {class: 'toolbar'},
        h('button', {type: 'button', class: 'primary', 'data-answer': 'yes'}, 'Yes, change it'),
        h('button', {type: 'button', 'data-answer': 'no'}, 'Cancel')));
    dlg.addEventListener('click', e => {
      const a = e.target.getAttribute && e.target.getAttribute('data-answer');
      if (!a) return;
      dlg.close();
      dlg.remove();
      resolve(a === 'yes');
    });
    dlg.addEventListener('cancel', () => { dlg.remove(); resolve(false); });
    document.body.append(dlg);
    dlg.showModal();
  });
}

/* ---------- views ---------- */

async function viewSubjects(params) {
  const filter = params.get('filter') || '';
  const deleted = params.get('deleted') === '1';
  const page = Math.max(0, parseInt(params.get('page') || '0', 10) || 0);
  const input = h('input', {id: 'filter', class: 'grow', type: 'search', placeholder: 'Filter subjects (press / to focus)', value: filter, 'aria-label': 'Filter subjects'});
  const box = h('input', {id: 'show-deleted', type: 'checkbox', checked: deleted});
  const list = h('div', {id: 'subject-list'}, h('p', {class: 'muted'}, 'Loading subjects…'));
  show(h('h1', {}, 'Subjects'),
    h('div', {class: 'toolbar'}, input, h('label', {}, box, ' Show soft-deleted')),
    list);

  let all, live;
  try {
    live = await api('GET', '/subjects');
    all = deleted ? await api('GET', '/subjects?deleted=true') : live;
  } catch (e) { put(list, errorBox(e)); return; }
  const liveSet = new Set(live);

  const render = (f, p) => {
    const needle = f.toLowerCase();
    const matches = all.filter(s => s.toLowerCase().includes(needle)).sort();
    const pages = Math.max(1, Math.ceil(matches.length / PAGE_SIZE));
    p = Math.min(p, pages - 1);
    const slice = matches.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
    const rows = slice.map(s => {
      const tr = h('tr', {'data-subject': s},
        h('td', {class: 'name'}, h('a', {href: '#/subject/' + enc(s)}, s),
          liveSet.has(s) ? null : [' ', h('span', {class: 'pill'}, 'soft-deleted')]),
        h('td', {class: 'c-version'}, '…'), h('td', {class: 'c-type opt'}, ''),
        h('td', {class: 'c-level opt'}, ''), h('td', {class: 'c-mode opt'}, ''));
      fillSubjectRow(tr, s, liveSet.has(s));
      return tr;
    });
    const nav = (to, label) => h('a', {href: routeSubjects(f, to, deleted)}, label);
    put(list,
      h('p', {class: 'muted', id: 'subject-count'}, matches.length + ' of ' + all.length + ' subjects'),
      matches.length ? h('table', {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Subject'), h('th', {}, 'Latest'), h('th', {class: 'opt'}, 'Type'),
          h('th', {class: 'opt'}, 'Compatibility'), h('th', {class: 'opt'}, 'Mode'))),
        h('tbody', {}, rows)) : h('p', {}, all.length ? 'No subject matches.' : 'No subjects yet. Register one with POST /subjects/{subject}/versions.'),
      pages > 1 ? h('div', {class: 'pager'}, p > 0 ? nav(p - 1, '← Previous') : null,
        h('span', {}, 'Page ' + (p + 1) + ' of ' + pages), p < pages - 1 ? nav(p + 1, 'Next →') : null) : null);
  };
  render(filter, page);
  input.addEventListener('input', () => {
    history.replaceState(null, '', routeSubjects(input.value, 0, deleted));
    render(input.value, 0);
  });
  box.addEventListener('change', () => { location.hash = routeSubjects(input.value, 0, box.checked).slice(1); });
  if (filter) input.focus();
}

function routeSubjects(filter, page, deleted) {
  const q = new URLSearchParams();
  if (filter) q.set('filter', filter);
  if (page) q.set('page', String(page));
  if (deleted) q.set('deleted', '1');
  const s = q.toString();
  return '#/' + (s ? '?' + s : '');
}

async function fillSubjectRow(tr, subject, live) {
  const cell = c => tr.querySelector('.' + c);
  try {
    const latest = await api('GET', '/subjects/' + enc(subject) + '/versions/latest' + (live ? '' : '?deleted=true'));
    cell('c-version').textContent = 'v' + latest.version + ' (id ' + latest.id + ')';
    cell('c-type').textContent = latest.schemaType || 'AVRO';
  } catch (e) { cell('c-version').textContent = '—'; }
  try {
    const cfg = await api('GET', '/config/' + enc(subject) + '?defaultToGlobal=true');
    cell('c-level').textContent = cfg.compatibilityLevel || cfg.compatibility || '';
  } catch (e) { cell('c-level').textContent = '—'; }
  try {
    const mode = await api('GET', '/mode/' + enc(subject) + '?defaultToGlobal=true');
    cell('c-mode').textContent = mode.mode || '';
  } catch (e) { cell('c-mode').textContent = '—'; }
}

async function loadVersion(subject, version) {
  const v = await api('GET', '/subjects/' + enc(subject) + '/versions/' + enc(version) + '?deleted=true');
  v.parsed = parseSchema(v.schema);
  return v;
}

async function viewSubject(subject, version) {
  show(h('h1', {}, subject), h('p', {class: 'muted'}, 'Loading…'));
  let versions;
  try {
    versions = await api('GET', '/subjects/' + enc(subject) + '/versions');
  } catch (e) { show(h('h1', {}, subject), errorBox(e), h('p', {}, h('a', {href: '#/'}, '← All subjects'))); return; }
  const current = version ? String(version) : String(versions[versions.length - 1]);
  let v;
  try { v = await loadVersion(subject, current); } catch (e) { show(h('h1', {}, subject), errorBox(e)); return; }
  const type = v.schemaType || 'AVRO';
  const older = versions.length > 1 ? versions[0] : null;
  const newest = versions[versions.length - 1];

  const refs = (v.references || []).length ? h('div', {},
    h('h2', {}, 'References'),
    h('ul', {}, v.references.map(r => h('li', {}, h('code', {}, r.name), ' → ',
      h('a', {href: '#/subject/' + enc(r.subject) + '/v/' + r.version}, r.subject + ' v' + r.version))))) : null;

  const diffPick = h('form', {class: 'toolbar', id: 'diff-form'},
    h('label', {}, 'Compare ', versionSelect('diff-a', versions, older || current)),
    h('label', {}, ' with ', versionSelect('diff-b', versions, newest)),
    h('button', {type: 'submit'}, 'Show diff'));
  diffPick.addEventListener('submit', e => {
    e.preventDefault();
    const a = diffPick.querySelector('#diff-a').value, b = diffPick.querySelector('#diff-b').value;
    location.hash = '/subject/' + enc(subject) + '/diff/' + a + '/' + b;
  });

  show(
    h('p', {}, h('a', {href: '#/'}, '← All subjects')),
    h('h1', {}, subject),
    h('ul', {class: 'versions', 'aria-label': 'Versions'}, versions.map(n => h('li', {},
      h('a', {href: '#/subject/' + enc(subject) + '/v/' + n, 'aria-current': String(n) === current ? 'true' : null}, 'v' + n)))),
    h('p', {id: 'version-meta'}, 'Version ', h('strong', {}, String(v.version)), ' · id ',
      h('a', {href: '#/schema/' + v.id}, String(v.id)), ' · ', h('span', {class: 'pill'}, type)),
    h('div', {class: 'toolbar'},
      h('a', {href: '#/subject/' + enc(subject) + '/test'}, 'Test a change against this subject'),
      h('span', {class: 'muted'}, '·'),
      h('a', {href: '/subjects/' + enc(subject) + '/versions/' + v.version + '/schema'}, 'Raw schema')),
    diffPick,
    h('div', {class: type === 'AVRO' ? 'cols' : ''},
      h('section', {}, h('h2', {}, 'Schema'), codeBlock(pretty(v.parsed), 'schema version ' + v.version)),
      type === 'AVRO' ? h('section', {}, h('h2', {}, 'Fields'), h('div', {class: 'tree', id: 'field-tree'}, avroTree(v.parsed))) : null),
    refs,
    v.metadata ? [h('h2', {}, 'Metadata'), codeBlock(JSON.stringify(v.metadata, null, 2), 'metadata')] : null,
    v.ruleSet ? [h('h2', {}, 'Rules'), codeBlock(JSON.stringify(v.ruleSet, null, 2), 'rule set')] : null,
    await settingsPanel(subject));
}

function versionSelect(id, versions, selected) {
  return h('select', {id}, versions.map(n => h('option', {value: n, selected: String(n) === String(selected)}, 'v' + n)));
}

/* Compatibility level and mode editors, for one subject or (subject null) global. */
async function settingsPanel(subject) {
  const base = subject === null ? '' : '/' + enc(subject);
  const section = h('section', {id: 'settings'}, h('h2', {}, subject === null ? 'Global compatibility and mode' : 'Compatibility and mode'));
  let level = '', mode = '', ownLevel = false, ownMode = false;
  try {
    const cfg = await api('GET', '/config' + base + (subject === null ? '' : '?defaultToGlobal=true'));
    level = cfg.compatibilityLevel || cfg.compatibility || '';
    if (subject !== null) ownLevel = await api('GET', '/config' + base).then(() => true, () => false);
  } catch (e) { section.append(errorBox(e)); }
  try {
    const m = await api('GET', '/mode' + base + (subject === null ? '' : '?defaultToGlobal=true'));
    mode = m.mode || '';
    if (subject !== null) ownMode = await api('GET', '/mode' + base).then(() => true, () => false);
  } catch (e) { section.append(errorBox(e)); }
  const status = h('div', {id: 'settings-status', role: 'status'});
  const levelSel = h('select', {id: 'level-select', 'aria-label': 'Compatibility level'}, LEVELS.map(l => h('option', {value: l, selected: l === level}, l)));
  const modeSel = h('select', {id: 'mode-select', 'aria-label': 'Mode'}, MODES.map(m => h('option', {value: m, selected: m === mode}, m)));
  const save = async (what, value, body) => {
    const scope = subject === null ? 'globally' : 'for ' + subject;
    if (!await confirmDialog('Set ' + what + ' to ' + value + ' ' + scope + '?')) return;
    try {
      await api('PUT', '/' + what + base, body);
      put(status, h('div', {class: 'verdict ok'}, what === 'config' ? 'Compatibility is now ' + value + '.' : 'Mode is now ' + value + '.'));
    } catch (e) { put(status, errorBox(e)); }
  };
  section.append(
    h('div', {class: 'toolbar'},
      h('label', {}, 'Compatibility ', levelSel),
      h('button', {type: 'button', id: 'level-save', onclick: () => save('config', levelSel.value, {compatibility: levelSel.value})}, 'Change'),
      subject !== null ? h('span', {class: 'muted'}, ownLevel ? '(set on this subject)' : '(inherited from global)') : null),
    h('div', {class: 'toolbar'},
      h('label', {}, 'Mode ', modeSel),
      h('button', {type: 'button', id: 'mode-save', onclick: () => save('mode', modeSel.value, {mode: modeSel.value})}, 'Change'),
      subject !== null ? h('span', {class: 'muted'}, ownMode ? '(set on this subject)' : '(inherited from global)') : null),
    status);
  return section;
}

async function viewDiff(subject, a, b) {
  show(h('h1', {}, subject + ': v' + a + ' → v' + b), h('p', {class: 'muted'}, 'Loading…'));
  let va, vb;
  try { [va, vb] = await Promise.all([loadVersion(subject, a), loadVersion(subject, b)]); } catch (e) { show(h('h1', {}, subject), errorBox(e)); return; }
  const changes = structuralChanges(va.parsed, vb.parsed);
  const verdict = h('div', {id: 'diff-verdict'}, h('p', {class: 'muted'}, 'Checking compatibility…'));
  show(
    h('p', {}, h('a', {href: '#/subject/' + enc(subject)}, '← ' + subject)),
    h('h1', {}, subject + ': v' + a + ' → v' + b),
    verdict,
    h('h2', {}, 'Changes by location'),
    changes.length ? h('ul', {class: 'changes', id: 'diff-changes'}, changes.map(c => h('li', {},
      h('span', {class: c.kind === 'added' ? 'tag-add' : c.kind === 'removed' ? 'tag-del' : 'tag-chg'}, c.kind), ' ',
      h('code', {}, c.pointer), ' ',
      c.kind === 'changed' ? [h('code', {}, c.old), ' → ', h('code', {}, c.now)] : h('code', {}, c.kind === 'added' ? c.now : c.old))))
      : h('p', {id: 'diff-changes'}, 'The two versions are the same.'),
    h('h2', {}, 'Side by side'),
    sideBySide(pretty(va.parsed), pretty(vb.parsed)));
  try {
    const body = {schema: vb.schema};
    if (vb.schemaType && vb.schemaType !== 'AVRO') body.schemaType = vb.schemaType;
    if (vb.references && vb.references.length) body.references = vb.references;
    const res = await api('POST', '/compatibility/subjects/' + enc(subject) + '/versions/' + enc(a) + '?verbose=true', body);
    const cfg = await api('GET', '/config/' + enc(subject) + '?defaultToGlobal=true').catch(() => ({}));
    const lvl = cfg.compatibilityLevel || cfg.compatibility || '';
    put(verdict,
      h('div', {class: 'verdict ' + (res.is_compatible ? 'ok' : 'bad')},
        (res.is_compatible ? 'v' + b + ' is compatible with v' + a : 'v' + b + ' is NOT compatible with v' + a) + (lvl ? ' under ' + lvl : '')),
      res.is_compatible ? null : reasonList(parseReasons(res.messages)));
  } catch (e) { put(verdict, errorBox(e)); }
}

async function viewTest(subject) {
  let latest = null, mode = '';
  try { latest = await loadVersion(subject, 'latest'); } catch (e) { /* a new subject */ }
  try { mode = (await api('GET', '/mode/' + enc(subject) + '?defaultToGlobal=true')).mode; } catch (e) { mode = ''; }
  const area = h('textarea', {id: 'candidate', spellcheck: 'false', 'aria-label': 'Candidate schema'});
  area.value = latest ? pretty(latest.parsed) : '';
  const typeSel = h('select', {id: 'candidate-type', 'aria-label': 'Schema type'},
    ['AVRO', 'JSON'].map(t => h('option', {value: t, selected: t === ((latest && latest.schemaType) || 'AVRO')}, t)));
  const out = h('div', {id: 'test-result', role: 'status'});
  const writable = mode === 'READWRITE' || mode === 'IMPORT' || mode === '';
  const register = h('button', {type: 'button', id: 'register', disabled: true}, 'Register as a new version');
  const drop = h('div', {class: 'drop'}, area);
  drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', async e => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer.files[0];
    if (f) area.value = await f.text();
  });
  const body = () => {
    const b = {schema: area.value};
    if (typeSel.value !== 'AVRO') b.schemaType = typeSel.value;
    return b;
  };
  const check = async () => {
    register.disabled = true;
    put(out, h('p', {class: 'muted'}, 'Checking…'));
    try {
      const res = await api('POST', '/compatibility/subjects/' + enc(subject) + '/versions?verbose=true', body());
      put(out,
        h('div', {class: 'verdict ' + (res.is_compatible ? 'ok' : 'bad')},
          res.is_compatible ? 'Compatible: this schema would register.' : 'Incompatible: this schema would be refused.'),
        res.is_compatible ? null : reasonList(parseReasons(res.messages)));
      register.disabled = !res.is_compatible || !writable;
    } catch (e) { put(out, errorBox(e)); }
  };
  register.addEventListener('click', async () => {
    if (!await confirmDialog('Register this schema as a new version of ' + subject + '?')) return;
    try {
      const res = await api('POST', '/subjects/' + enc(subject) + '/versions', body());
      put(out, h('div', {class: 'verdict ok'}, 'Registered with id ' + res.id + '. '),
        h('a', {href: '#/subject/' + enc(subject)}, 'Open ' + subject));
      register.disabled = true;
    } catch (e) { put(out, errorBox(e)); }
  });
  show(
    h('p', {}, h('a', {href: '#/subject/' + enc(subject)}, '← ' + subject)),
    h('h1', {}, 'Test a change to ' + subject),
    h('p', {class: 'muted'}, 'Paste or drop a schema file. Checking uses the registry\'s compatibility endpoint and registers nothing.'),
    h('div', {class: 'toolbar'}, h('label', {}, 'Type ', typeSel),
      h('button', {type: 'button', class: 'primary', id: 'check', onclick: check}, 'Check compatibility'),
      register,
      writable ? null : h('span', {class: 'muted'}, 'Registration is off: mode is ' + mode + '.')),
    drop, out);
}

async function viewSchemaId(id) {
  show(h('h1', {}, 'Schema ' + id), h('p', {class: 'muted'}, 'Loading…'));
  if (!/^\d+$/.test(id)) { show(h('h1', {}, 'Schema ' + id), errorBox('A schema id is a positive whole number.')); return; }
  try {
    const s = await api('GET', '/schemas/ids/' + id);
    const used = await api('GET', '/schemas/ids/' + id + '/versions').catch(() => []);
    show(h('h1', {}, 'Schema id ' + id),
      h('p', {}, h('span', {class: 'pill'}, s.schemaType || 'AVRO')),
      h('h2', {}, 'Registered as'),
      used.length ? h('ul', {id: 'id-usages'}, used.map(u => h('li', {},
        h('a', {href: '#/subject/' + enc(u.subject) + '/v/' + u.version}, u.subject + ' v' + u.version)))) : h('p', {}, 'No live subject version uses it.'),
      h('h2', {}, 'Schema'), codeBlock(pretty(parseSchema(s.schema))));
  } catch (e) { show(h('h1', {}, 'Schema ' + id), errorBox(e)); }
}

async function viewConfig() {
  show(h('h1', {}, 'Compatibility & mode'), await settingsPanel(null));
}

async function viewRejections(params) {
  const topic = params.get('topic') || '';
  const input = h('input', {id: 'rej-topic', type: 'search', placeholder: 'Topic', value: topic, 'aria-label': 'Topic'});
  const form = h('form', {class: 'toolbar'}, input, h('button', {type: 'submit'}, 'Show'));
  form.addEventListener('submit', e => { e.preventDefault(); location.hash = '/rejections' + (input.value ? '?topic=' + enc(input.value) : ''); });
  const box = h('div', {id: 'rejections'}, h('p', {class: 'muted'}, 'Loading…'));
  show(h('h1', {}, 'Recent rejections'), form, box);
  try {
    const rows = await api('GET', '/rejections?limit=200' + (topic ? '&topic=' + enc(topic) : ''));
    const list = Array.isArray(rows) ? rows : (rows && rows.rejections) || [];
    put(box, list.length ? h('table', {id: 'rejection-table'},
      h('thead', {}, h('tr', {}, ['Time', 'Topic', 'Partition', 'Client', 'Mode', 'Reason'].map(t => h('th', {}, t)))),
      h('tbody', {}, list.map(r => h('tr', {},
        h('td', {}, r.time || ''), h('td', {}, r.topic || ''), h('td', {}, r.partition === undefined ? '' : String(r.partition)),
        h('td', {}, (r.client_id || '') + (r.client_address ? ' (' + r.client_address + ')' : '')),
        h('td', {}, r.mode || ''),
        h('td', {}, r.message || r.reason || '')))))
      : h('p', {}, 'No rejections recorded.'));
  } catch (e) {
    put(box, e.status === 404 ? h('div', {class: 'notice'}, 'This server keeps no rejections: the gateway is not running here.') : errorBox(e));
  }
}

/* ---------- router ---------- */

async function route() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query] = raw.split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const section = parts[0] === 'config' ? 'config' : parts[0] === 'rejections' ? 'rejections' : 'subjects';
  for (const a of document.querySelectorAll('[data-nav]'))
    a.toggleAttribute('aria-current', a.getAttribute('data-nav') === section) && a.setAttribute('aria-current', 'page');
  try {
    if (parts.length === 0) await viewSubjects(params);
    else if (parts[0] === 'subject' && parts.length === 2) await viewSubject(parts[1]);
    else if (parts[0] === 'subject' && parts[2] === 'v') await viewSubject(parts[1], parts[3]);
    else if (parts[0] === 'subject' && parts[2] === 'diff') await viewDiff(parts[1], parts[3], parts[4]);
    else if (parts[0] === 'subject' && parts[2] === 'test') await viewTest(parts[1]);
    else if (parts[0] === 'schema') await viewSchemaId(parts[1]);
    else if (parts[0] === 'config') await viewConfig();
    else if (parts[0] === 'rejections') await viewRejections(params);
    else show(h('h1', {}, 'Not found'), h('p', {}, 'No page at this address. ', h('a', {href: '#/'}, 'All subjects')));
  } catch (e) {
    show(h('h1', {}, 'Something went wrong'), errorBox(e));
  }
  document.documentElement.setAttribute('data-ready', '1');
}

/* ---------- theme and keyboard ---------- */

function applyTheme(t) {
  document.documentElement.setAttribute('data-theme', t);
}

function init() {
  const stored = localStorage.getItem('schemagate-theme');
  applyTheme(stored || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  document.getElementById('theme').addEventListener('click', () => {
    const t = document.documentElement.getAttribute('data-theme') === 'dark' ? 'light' : 'dark';
    localStorage.setItem('schemagate-theme', t);
    applyTheme(t);
  });
  document.getElementById('lookup').addEventListener('submit', e => {
    e.preventDefault();
    const id = document.getElementById('lookup-id').value.trim();
    if (id) location.hash = '/schema/' + enc(id);
  });
  document.addEventListener('keydown', e => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (e.key === '/' && !typing) {
      const f = document.getElementById('filter');
      if (f) { e.preventDefault(); f.focus(); }
    }
    if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && (document.activeElement.id === 'filter' || document.activeElement.closest('#subject-list'))) {
      const links = [...document.querySelectorAll('#subject-list td.name a')];
      if (!links.length) return;
      const i = links.indexOf(document.activeElement);
      const next = e.key === 'ArrowDown' ? Math.min(links.length - 1, i + 1) : Math.max(0, i - 1);
      e.preventDefault();
      links[i < 0 ? 0 : next].focus();
    }
  });
  window.addEventListener('hashchange', route);
  route();
}

document.addEventListener('DOMContentLoaded', init);
