// @ts-check
/**
 * The onecode web console (issue 10): one ES module, no framework, no build step.
 *
 * - Sign in with an API token (src/access/tokens.ts). The token is kept in sessionStorage (this
 *   tab only, gone when it closes) and sent as `Authorization: Bearer`; never in a URL, a cookie or
 *   localStorage. GET /api/v1/whoami names the holder, the role and the policy for personal values.
 * - Lookup: GET /api/v1/lookup/{code}, the document of `onecode lookup` (src/index/lookup.ts) with
 *   personal values already protected by the server for the token's role; the page shows what it
 *   gets and says which policy applies. The code is never put in the page's URL (browser history).
 * - Pipelines: GET /api/v1/pipelines, each pipeline's runs, quarantine reasons and data-quality
 *   flags, drawn as small inline SVG charts over runs; "Run now" (right `operate`) posts
 *   /api/v1/pipelines/{name}/runs and follows the run until it ends.
 *
 * Every value reaches the page through textContent or setAttribute (the `el` / `svg` builders
 * below), never through innerHTML, so data cannot become markup; the page runs under
 * Content-Security-Policy `default-src 'self'` (no inline script or style).
 * The HTTP API is described by /openapi.json on the same server.
 */

const TOKEN_KEY = 'onecode.token';
const API = '/api/v1';
/** How often a started run is polled, and for how long at most, in milliseconds. */
const RUN_POLL_MS = 1000;
const RUN_WAIT_MS = 10 * 60 * 1000;
/** Runs fetched per pipeline (charts); the table shows the first RUNS_LISTED of them. */
const RUNS_CHARTED = 20;
const RUNS_LISTED = 8;

/* ------------------------------------------------------------------ DOM building */

/** @typedef {Node | string | number | null | undefined | false | readonly unknown[]} Child a node, text, nothing, or an array of those (nested) */
/** @typedef {Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>} Attrs */

/**
 * An HTML element with attributes (a function value becomes an event listener: `onclick`) and
 * children; strings and numbers become text nodes.
 * @param {string} tag @param {Attrs} [attrs] @param {...Child} children @returns {HTMLElement}
 */
function el(tag, attrs = {}, ...children) {
  return /** @type {HTMLElement} */ (fill(document.createElement(tag), attrs, children));
}

/** An SVG element, as {@link el}. @param {string} tag @param {Attrs} [attrs] @param {...Child} children @returns {SVGElement} */
function svg(tag, attrs = {}, ...children) {
  return /** @type {SVGElement} */ (fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children));
}

/** @param {Element} node @param {Attrs} attrs @param {Child[]} children */
function fill(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'object' ? /** @type {Node} */ (child) : String(child));
  }
  return node;
}

/** @param {string} id @returns {HTMLElement} */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** A value as text: `—` for none, JSON for an object. @param {unknown} value */
function text(value) {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A label in English with its Chinese beside it. @param {string} en @param {string} [zh] */
const label = (en, zh) => (zh ? [en, ' ', el('span', { lang: 'zh-CN' }, zh)] : [en]);

/**
 * A table: `columns` [key, header], `rows` objects; `cell` may build a cell's content.
 * @param {Array<[string, Child]>} columns @param {Array<Record<string, unknown>>} rows
 * @param {{ caption?: Child, cell?: (row: Record<string, unknown>, key: string) => Child, className?: string }} [options]
 */
function table(columns, rows, options = {}) {
  const cell = options.cell ?? ((row, key) => text(row[key]));
  return el('div', { class: 'table-wrap' }, el('table', { class: options.className },
    options.caption ? el('caption', {}, options.caption) : null,
    el('thead', {}, el('tr', {}, columns.map(([, header]) => el('th', { scope: 'col' }, header)))),
    el('tbody', {}, rows.map((row) => el('tr', {}, columns.map(([key]) => el('td', {}, cell(row, key))))))));
}

/** A definition list of [term, description] pairs (`wide`: three pairs a row). @param {Array<[Child, Child]>} pairs @param {boolean} [wide] */
const facts = (pairs, wide = false) => el('dl', { class: wide ? 'facts wide' : 'facts' }, pairs.map(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));

/* ------------------------------------------------------------------ the API */

class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the API with the tab's token (or `token`). A 401 signs out.
 * @param {string} path below /api/v1 @param {{ method?: string, token?: string }} [options]
 * @returns {Promise<any>} the JSON body
 * @throws {ApiError} for a status other than 2xx, or no answer (status 0)
 */
async function api(path, options = {}) {
  const token = options.token ?? sessionStorage.getItem(TOKEN_KEY) ?? '';
  /** @type {Response} */
  let response;
  try {
    response = await fetch(API + path, {
      method: options.method ?? 'GET',
      headers: { accept: 'application/json', authorization: `Bearer ${token}`, 'x-onecode-channel': 'console' },
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new ApiError(0, 'unreachable', 'the server did not answer');
  }
  const body = (response.headers.get('content-type') ?? '').includes('json') ? await response.json().catch(() => null) : null;
  if (response.status === 401 && options.token === undefined) signOut('The server no longer accepts the token: sign in again.');
  if (!response.ok) throw new ApiError(response.status, body?.error ?? `http_${response.status}`, body?.message ?? response.statusText);
  return body;
}

/** What went wrong, for a person. @param {unknown} error */
function problem(error) {
  if (!(error instanceof ApiError)) return String(error instanceof Error ? error.message : error);
  if (error.status === 403) return 'Your role may not do this (403 forbidden).';
  return `${error.message || error.code} (${error.code})`;
}

/* ------------------------------------------------------------------ who you are */

/** @typedef {{ name: string, role: string, policy: string, rights: Set<string> }} Me */
/** @type {Me | null} */
let me = null;

/** What each policy for personal values means (src/protect/policy.ts, masks.ts). */
const POLICY_TEXT = {
  clear: 'Personal values are shown in clear. Every lookup is recorded in the access log under your name.',
  mask: 'Personal values are masked: ID numbers keep the region code and check character, names the surname, phones the first 3 and last 4 digits.',
  pseudonymise: 'Personal values are replaced by pseudonyms (p_…, HMAC-SM3): the same value always gives the same pseudonym.',
  drop: 'Personal values are withheld.',
};

/** @param {string} policy */
const policyText = (policy) => /** @type {Record<string, string>} */ (POLICY_TEXT)[policy] ?? `Policy ${policy}.`;

/**
 * The rights of whoami's answer; without `rights` (an older server), what roles.ts gives each role.
 * @param {{ role: string, rights?: string[] }} who
 */
function rightsOf(who) {
  if (Array.isArray(who.rights)) return new Set(who.rights);
  return new Set(who.role === 'operator' ? ['read_operations', 'operate'] : ['read_operations', 'lookup']);
}

/** @param {string} [token] a token to try; the tab's own otherwise */
async function signIn(token) {
  const who = await api('/whoami', token === undefined ? {} : { token });
  if (token !== undefined) sessionStorage.setItem(TOKEN_KEY, token);
  me = { name: String(who.name), role: String(who.role), policy: String(who.policy), rights: rightsOf(who) };
  byId('who-text').replaceChildren(el('strong', {}, me.name), ` · ${me.role} · `, el('span', { title: policyText(me.policy) }, `personal values: ${me.policy}`));
  byId('who').hidden = false;
  byId('nav').hidden = false;
  byId('nav-lookup').hidden = !me.rights.has('lookup');
  byId('nav-pipelines').hidden = !me.rights.has('read_operations');
  byId('sign-in').hidden = true;
  route();
}

/** @param {string} [why] */
function signOut(why) {
  sessionStorage.removeItem(TOKEN_KEY);
  me = null;
  for (const id of ['who', 'nav', 'page-lookup', 'page-pipelines']) byId(id).hidden = true;
  byId('lookup-result').replaceChildren();
  byId('pipelines-list').replaceChildren();
  byId('who-text').replaceChildren();
  byId('sign-in').hidden = false;
  byId('sign-in-error').textContent = why ?? '';
  byId('token').focus();
}

/* ------------------------------------------------------------------ pages */

function pages() {
  if (!me) return [];
  return [me.rights.has('lookup') ? 'lookup' : '', me.rights.has('read_operations') ? 'pipelines' : ''].filter(Boolean);
}

/** Shows the page the hash names (#lookup, #pipelines), or the first the role may see. */
function route() {
  const allowed = pages();
  const wanted = location.hash.slice(1);
  const page = allowed.includes(wanted) ? wanted : allowed[0];
  for (const name of ['lookup', 'pipelines']) {
    byId(`page-${name}`).hidden = name !== page;
    const link = byId(`nav-${name}`);
    if (name === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (page === 'pipelines') void showPipelines();
  if (page === 'lookup') byId('code').focus();
}

/* ------------------------------------------------------------------ lookup */

/** Golden and canonical field names, for people (schemas/canonical.ts). */
const FIELD_LABELS = {
  id_number: ['ID number', '身份证号'],
  uscc: ['Unified social credit code', '统一社会信用代码'],
  name: ['Name', '名称/姓名'],
  sex: ['Sex', '性别'],
  birth_date: ['Birth date', '出生日期'],
  region_code: ['Region code', '行政区划代码'],
  phone: ['Phone', '电话'],
  employer_name: ['Employer', '工作单位'],
  employer_uscc: ["Employer's USCC", '单位统一社会信用代码'],
  org_code: ['Organisation code', '组织机构代码'],
  legal_representative: ['Legal representative', '法定代表人'],
  legal_representative_id_number: ["Legal representative's ID number", '法定代表人身份证号'],
  address: ['Address', '地址'],
};

/** @param {string} field */
const fieldLabel = (field) => {
  const known = /** @type {Record<string, string[]>} */ (FIELD_LABELS)[field];
  return known ? label(known[0], known[1]) : field;
};

/** A code the page can look up again: an 18-character one code shown in clear (not masked, not a pseudonym). @param {unknown} code */
const lookable = (code) => typeof code === 'string' && /^[0-9A-Z]{18}$/.test(code);

/** The code as a button that looks it up, when it can be; as text otherwise. @param {unknown} code */
function codeLink(code) {
  if (!lookable(code)) return el('code', {}, text(code));
  return el('button', { type: 'button', class: 'code-link', title: 'Look up this code', onclick: () => void lookup(String(code)) }, el('code', {}, String(code)));
}

/** @param {string} input */
async function lookup(input) {
  const code = input.trim();
  const status = byId('lookup-status');
  const result = byId('lookup-result');
  /** @type {HTMLInputElement} */ (byId('code')).value = code;
  result.replaceChildren();
  if (code === '') return;
  status.textContent = 'Looking up…';
  try {
    const doc = await api(`/lookup/${encodeURIComponent(code)}`);
    status.textContent = doc.systems.length === 0 ? 'No system holds anything about this code.' : `Found in ${doc.systems.length} system(s).`;
    result.replaceChildren(lookupDocument(doc));
  } catch (error) {
    status.textContent = error instanceof ApiError && error.code === 'code_invalid'
      ? 'That is not a valid ID number, unified social credit code, organisation code or registration number.'
      : `Lookup failed: ${problem(error)}`;
  }
}

/** The whole lookup document. @param {any} doc */
function lookupDocument(doc) {
  return el('article', { class: 'lookup', 'aria-label': 'Lookup result' },
    el('p', { class: `policy policy-${me?.policy}` }, el('strong', {}, `Policy ${me?.policy} (role ${me?.role}). `), policyText(me?.policy ?? '')),
    identitySection(doc),
    doc.person ? goldenSection('Golden person', '自然人主记录', doc.person, doc.lineage?.person, 'id_number') : null,
    doc.legal_person ? goldenSection('Golden legal person', '法人主记录', doc.legal_person, doc.lineage?.legal_person, 'uscc') : null,
    conflictsSection(doc),
    recordsSection('Records by system', '各系统记录', doc.records ?? [], 'records'),
    relationsSection(doc.relations ?? {}),
    (doc.referenced_by ?? []).length > 0 ? recordsSection('Records referring to this code', '引用本代码的记录', doc.referenced_by, 'referenced') : null,
    aliasesSection(doc.aliases ?? []),
    (doc.licences ?? []).length > 0 ? licencesSection(doc.licences) : null,
    (doc.unlinked ?? []).length > 0 ? recordsSection('Records waiting to be linked', '待关联记录', doc.unlinked, 'unlinked') : null);
}

/** @param {any} doc */
function identitySection(doc) {
  const id = doc.identifier ?? {};
  return el('section', { 'aria-labelledby': 'h-identity' },
    el('h3', { id: 'h-identity' }, label('One code', '统一代码'), ' ', el('code', { class: 'one-code' }, text(doc.code))),
    facts([
      [label('Kind', '类型'), `${text(id.kind)}${id.subtype ? ` (${id.subtype})` : ''}`],
      [label('Status', '状态'), text(id.status)],
      ...(doc.alias ? /** @type {Array<[Child, Child]>} */ ([[label('Looked up as', '输入的代码'), el('code', {}, text(doc.alias))]]) : []),
      [label('Systems', '系统'), (doc.systems ?? []).length ? doc.systems.join('、') : '—'],
    ]),
    (id.reasons ?? []).length ? el('ul', { class: 'reasons' }, id.reasons.map((/** @type {any} */ r) => el('li', {}, el('code', {}, text(r.code)), r.message ? ` ${r.message}` : ''))) : null,
    (doc.ambiguous ?? []).length ? el('p', { class: 'warning' }, 'This legacy code resolves to several codes, so it links to none: ', doc.ambiguous.map((/** @type {unknown} */ c) => [codeLink(c), ' '])) : null);
}

/**
 * A golden record with each field's lineage.
 * @param {string} en @param {string} zh @param {Record<string, unknown>} golden
 * @param {Record<string, any> | null | undefined} lineage @param {string} key
 */
function goldenSection(en, zh, golden, lineage, key) {
  const rows = Object.keys(golden).filter((f) => f !== 'changed_run_id').map((field) => ({ field, value: golden[field], from: lineage?.[field] }));
  const from = (/** @type {any} */ l, /** @type {string} */ field) => {
    if (field === key) return 'the one code';
    if (!l) return '—';
    if (l.source === 'derived') return el('span', { class: 'derived' }, 'derived: ', text(l.rule));
    return [text(l.system), el('span', { class: 'muted' }, ` · ${text(l.pipeline)} · key `), el('code', {}, text(l.source_key)), el('span', { class: 'muted' }, ` · run ${text(l.run_id)}`)];
  };
  const id = `h-golden-${key}`;
  return el('section', { 'aria-labelledby': id },
    el('h3', { id }, label(en, zh)),
    table([['field', label('Field', '字段')], ['value', label('Value', '值')], ['from', label('Comes from (lineage)', '来源')]], rows, {
      className: 'golden',
      caption: `Last changed by run ${text(golden.changed_run_id)}`,
      cell: (row, k) => (k === 'field' ? fieldLabel(String(row.field)) : k === 'from' ? from(row.from, String(row.field)) : text(row.value)),
    }));
}

/**
 * Fields whose value differs between systems: the document's `conflicts` (the `conflicts` view)
 * when the server sends it; otherwise payload columns of the same name that hold different
 * values in different systems, leaving out the code itself and its aliases (another form of it).
 * @param {any} doc
 */
function conflictsSection(doc) {
  const heading = el('h3', { id: 'h-conflicts' }, label('Conflicts', '字段冲突'));
  if (Array.isArray(doc.conflicts)) {
    return el('section', { 'aria-labelledby': 'h-conflicts' }, heading,
      doc.conflicts.length === 0 ? el('p', {}, 'The systems agree on every compared field (name, employer, legal representative).')
        : table([['field', label('Field', '字段')], ['value', label('Value', '值')], ['system', label('System', '系统')], ['source_key', label('Source key', '源主键')], ['changed_run_id', label('Run', '批次')]],
          doc.conflicts, { cell: (row, k) => (k === 'field' ? fieldLabel(String(row.field)) : text(row[k])) }));
  }
  if ((doc.records ?? []).length > 0 && !doc.records.some((/** @type {any} */ r) => 'payload' in r)) {
    return el('section', { 'aria-labelledby': 'h-conflicts' }, heading,
      el('p', { class: 'muted' }, `Not shown: conflicts are read from the systems' source columns, which are withheld under policy ${me?.policy}.`));
  }
  const forms = new Set([doc.code, doc.alias, ...(doc.aliases ?? []).map((/** @type {any} */ a) => a.alias)].filter(Boolean));
  /** @type {Map<string, Map<string, Set<string>>>} column → system → values */
  const columns = new Map();
  for (const record of doc.records ?? []) {
    for (const [column, value] of Object.entries(record.payload ?? {})) {
      if (value === null || value === '' || forms.has(value)) continue;
      const systems = columns.get(column) ?? new Map();
      columns.set(column, systems);
      const values = systems.get(record.system) ?? new Set();
      systems.set(record.system, values);
      values.add(text(value));
    }
  }
  const rows = [];
  for (const [column, systems] of columns) {
    if (systems.size < 2) continue;
    const signatures = new Set([...systems.values()].map((v) => [...v].sort().join('\u0000')));
    if (signatures.size < 2) continue;
    for (const [system, values] of systems) rows.push({ column, system, values: [...values].join('、') });
  }
  return el('section', { 'aria-labelledby': 'h-conflicts' }, heading,
    el('p', { class: 'muted' }, 'Compared here: source columns of the same name in the records of different systems.'),
    rows.length === 0 ? el('p', {}, 'No column of the same name holds different values in different systems.')
      : table([['column', label('Source column', '源字段')], ['system', label('System', '系统')], ['values', label('Values', '值')]], rows));
}

/**
 * Source records grouped by system, one table each: key, status, payload columns, flags, runs.
 * @param {string} en @param {string} zh @param {any[]} records @param {string} id
 */
function recordsSection(en, zh, records, id) {
  const bySystem = new Map();
  for (const r of records) bySystem.set(r.system, [...(bySystem.get(r.system) ?? []), r]);
  return el('section', { 'aria-labelledby': `h-${id}` },
    el('h3', { id: `h-${id}` }, label(en, zh), ` (${records.length})`),
    records.length === 0 ? el('p', {}, 'None.') : null,
    records.length > 0 && !records.some((r) => 'payload' in r) ? el('p', { class: 'muted' }, `The source columns (the rows as loaded) are withheld under policy ${me?.policy}: only a steward sees them.`) : null,
    [...bySystem].map(([system, rows]) => {
      const payloadColumns = [...new Set(rows.flatMap((/** @type {any} */ r) => Object.keys(r.payload ?? {})))];
      /** @type {Array<[string, Child]>} */
      const columns = [['source_key', label('Source key', '源主键')], ...(rows.some((/** @type {any} */ r) => r.role) ? /** @type {Array<[string, Child]>} */ ([['role', 'Refers as']]) : []),
        ['code_status', label('Code', '代码状态')], ...payloadColumns.map((c) => /** @type {[string, Child]} */ ([`payload:${c}`, c])), ['flags', label('Flags', '质量标记')], ['runs', label('Runs', '批次')]];
      return el('section', { class: 'system' },
        el('h4', {}, system, el('span', { class: 'muted' }, ` · ${rows[0].pipeline} · ${rows[0].entity}`)),
        table(columns, rows, {
          className: 'records',
          cell: (row, k) => {
            if (k.startsWith('payload:')) return text(/** @type {any} */ (row.payload)?.[k.slice(8)]);
            if (k === 'code_status') return [text(row.code_status), row.linked_via ? ` via ${row.linked_via}` : ''];
            if (k === 'flags') return Array.isArray(row.flags) && row.flags.length ? el('ul', { class: 'flags' }, row.flags.map((/** @type {any} */ f) => el('li', { title: f.message }, el('code', {}, text(f.code)), f.field ? ` (${f.field})` : ''))) : '—';
            if (k === 'runs') return `${text(row.first_run_id)} → ${text(row.changed_run_id)}`;
            return text(row[k]);
          },
        }));
    }));
}

/** A related party: its name, its code (a button to look it up) and whether the index holds it. @param {any} party */
function party(party) {
  if (!party) return el('span', { class: 'muted' }, 'none named');
  return el('span', { class: 'party' }, text(party.name), ' ', codeLink(party.code), party.in_index ? '' : el('span', { class: 'muted' }, ' (not in the index)'));
}

/** @param {Record<string, any>} relations */
function relationsSection(relations) {
  /** @type {Array<[Child, Child]>} */
  const pairs = [];
  const list = (/** @type {any} */ related) => related.total === 0 ? el('span', { class: 'muted' }, 'none')
    : el('div', {}, el('ul', { class: 'parties' }, related.items.map((/** @type {any} */ p) => el('li', {}, party(p)))),
      related.total > related.items.length ? el('p', { class: 'muted' }, `${related.items.length} of ${related.total} shown`) : null);
  if ('employer' in relations) pairs.push([label('Employer', '工作单位'), party(relations.employer)]);
  if ('legal_representative_of' in relations) pairs.push([label('Legal representative of', '担任法定代表人'), list(relations.legal_representative_of)]);
  if ('legal_representative' in relations) pairs.push([label('Legal representative', '法定代表人'), party(relations.legal_representative)]);
  if ('employees' in relations) pairs.push([label('Employees', '从业人员'), list(relations.employees)]);
  return el('section', { 'aria-labelledby': 'h-relations' }, el('h3', { id: 'h-relations' }, label('Relations', '关联关系')), pairs.length ? facts(pairs) : el('p', {}, 'None.'));
}

/** @param {any[]} aliases */
function aliasesSection(aliases) {
  return el('section', { 'aria-labelledby': 'h-aliases' },
    el('h3', { id: 'h-aliases' }, label('Aliases', '曾用代码'), ` (${aliases.length})`),
    aliases.length === 0 ? el('p', {}, 'None: no system has shown this code in another form.')
      : table([['alias', label('Alias', '曾用代码')], ['alias_kind', label('Kind', '类型')], ['system', label('System', '系统')], ['source_key', label('Source key', '源主键')], ['first_run_id', label('First seen in run', '首次出现')]], aliases));
}

/** The electronic licences the code holds, with their state today (docs/licences.md). @param {any[]} licences */
function licencesSection(licences) {
  return el('section', { 'aria-labelledby': 'h-licences', class: 'licences' },
    el('h3', { id: 'h-licences' }, label('Licences', '电子证照'), ` (${licences.length})`),
    table([['licence_name', label('Licence', '证照名称')], ['licence_type_code', label('Type', '证照类型代码')], ['state', label('State today', '今日状态')],
      ['valid_from', label('Valid from', '有效期起始')], ['valid_to', label('Valid to', '有效期截止')], ['licence_identifier', label('Identifier', '证照标识')], ['system', label('System', '系统')]], licences));
}

/* ------------------------------------------------------------------ charts (inline SVG) */

/** @typedef {{ key: string, label: string, className?: string }} Series */
/** @typedef {{ label: string, values: Record<string, number> }} Bar */

/**
 * A stacked bar chart, one bar per run (oldest left), in a figure with its legend and, for
 * screen readers and exact numbers, the data as a table in a <details>.
 * @param {{ title: Child, bars: Bar[], series: Series[], empty: string }} chart
 */
function stackedBars({ title, bars, series, empty }) {
  const figure = el('figure', { class: 'chart' }, el('figcaption', {}, title));
  const total = (/** @type {Bar} */ b) => series.reduce((sum, s) => sum + (b.values[s.key] ?? 0), 0);
  if (bars.length === 0 || series.length === 0 || bars.every((b) => total(b) === 0)) return fill(figure, {}, [el('p', { class: 'muted' }, empty)]);
  const W = 320, H = 130, left = 40, bottom = 18, top = 6;
  const max = Math.max(...bars.map(total));
  const step = (W - left - 4) / bars.length;
  const width = Math.max(2, Math.min(24, step * 0.7));
  const y = (/** @type {number} */ v) => top + (H - top - bottom) * (1 - v / max);
  const every = Math.ceil(bars.length / 10);
  const marks = bars.map((bar, i) => {
    const x = left + i * step + (step - width) / 2;
    let below = 0;
    const rects = series.map((s, j) => {
      const v = bar.values[s.key] ?? 0;
      if (v <= 0) return null;
      const rect = svg('rect', { x: x.toFixed(1), y: y(below + v).toFixed(1), width: width.toFixed(1), height: Math.max(1, y(below) - y(below + v)).toFixed(1), class: s.className ?? `c${j % 8}` },
        svg('title', {}, `${bar.label}: ${s.label} ${v}`));
      below += v;
      return rect;
    });
    return [rects, i % every === 0 ? svg('text', { x: (x + width / 2).toFixed(1), y: H - 4, class: 'tick', 'text-anchor': 'middle' }, bar.label) : null];
  });
  fill(figure, {}, [
    svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${bars.length} runs; largest ${max}` },
      svg('line', { x1: left - 2, y1: top, x2: left - 2, y2: H - bottom, class: 'axis' }),
      svg('line', { x1: left - 2, y1: H - bottom, x2: W, y2: H - bottom, class: 'axis' }),
      svg('text', { x: left - 6, y: top + 8, class: 'tick', 'text-anchor': 'end' }, max),
      svg('text', { x: left - 6, y: H - bottom, class: 'tick', 'text-anchor': 'end' }, 0),
      marks),
    el('ul', { class: 'legend' }, series.map((s, j) => el('li', {}, svg('svg', { viewBox: '0 0 10 10', class: 'swatch', 'aria-hidden': 'true' }, svg('rect', { width: 10, height: 10, class: s.className ?? `c${j % 8}` })), s.label))),
    el('details', {}, el('summary', {}, 'Data'),
      table([['label', 'Run'], ...series.map((s) => /** @type {[string, Child]} */ ([s.key, s.label]))], bars.map((b) => ({ label: b.label, ...b.values })), { cell: (row, k) => text(row[k] ?? 0) })),
  ]);
  return figure;
}

/** The series of a chart whose keys come from the data (reason or flag codes), most rows first. @param {Bar[]} bars */
function seriesOf(bars) {
  const totals = new Map();
  for (const bar of bars) for (const [key, v] of Object.entries(bar.values)) totals.set(key, (totals.get(key) ?? 0) + v);
  return [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([key]) => ({ key, label: key }));
}

/* ------------------------------------------------------------------ pipelines */

/** Run times are text from the index (`2026-12-02 19:37:20.021+08` or ISO 8601); shown to the second. @param {unknown} value */
function parseTime(value) {
  if (typeof value !== 'string') return null;
  const iso = value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** China Standard Time, UTC+8 without daylight saving: the zone the index shows its instants in. */
const CST_OFFSET_MS = 8 * 3600 * 1000;

/**
 * An instant as the index and the CLI show it, in China Standard Time with its offset
 * (`2026-12-02 20:39:14+08:00`), whatever the browser's own zone.
 * @param {unknown} value
 */
function when(value) {
  const ms = parseTime(value);
  if (ms === null) return text(value);
  const d = new Date(ms + CST_OFFSET_MS);
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}+08:00`;
}

/** @param {any} run */
function duration(run) {
  const start = parseTime(run.started_at), end = parseTime(run.ended_at);
  return start === null || end === null ? '—' : `${((end - start) / 1000).toFixed(1)} s`;
}

/** A run's reason_summary (`{ reason_code: { rows } }`, or its JSON text) as reason → rows. @param {unknown} summary */
function reasonCounts(summary) {
  let value = summary;
  if (typeof value === 'string') {
    try { value = JSON.parse(value); } catch { return {}; }
  }
  /** @type {Record<string, number>} */
  const out = {};
  for (const [reason, v] of Object.entries(value && typeof value === 'object' ? value : {})) out[reason] = Number(/** @type {any} */ (v)?.rows ?? v) || 0;
  return out;
}

/** One line about a finished run. @param {any} run */
function describeRun(run) {
  const counts = `${text(run.rows_read)} read, ${text(run.loaded)} loaded, ${text(run.duplicates)} duplicates, ${text(run.quarantined)} quarantined, ${text(run.events)} change events`;
  return `Run #${run.run_no} ${run.status}${run.error_code ? ` (${run.error_code})` : ''}: ${counts}.`;
}

/** A CSS-safe id part for a pipeline name. @param {string} name */
const slug = (name) => name.replace(/[^A-Za-z0-9_-]/g, '_');

let pipelinesShown = 0;

async function showPipelines() {
  const shown = ++pipelinesShown;
  const status = byId('pipelines-status');
  status.textContent = 'Loading pipelines…';
  try {
    const { pipelines } = await api('/pipelines');
    if (shown !== pipelinesShown) return;
    /** @type {Array<ReturnType<typeof pipelineSection>>} */
    const sections = pipelines.map((/** @type {any} */ p) => pipelineSection(p));
    byId('pipelines-list').replaceChildren(...sections.map((s) => s.section));
    await Promise.all(sections.map((s) => s.refresh()));
    status.textContent = `${pipelines.length} pipeline(s).`;
  } catch (error) {
    status.textContent = `Could not read the pipelines: ${problem(error)}`;
  }
}

/** A run as a fact: `#7 succeeded, 2026-12-02 19:55:11`. @param {any} run */
const runFact = (run) => (run ? `#${run.run_no} ${run.status}, ${when(run.started_at)}` : 'never');

/**
 * A pipeline's section: facts, the run button (operators), and charts, quarantine reasons and
 * runs filled by `refresh` (which also brings the last run and last success up to date).
 * @param {any} p a pipeline of GET /pipelines
 */
function pipelineSection(p) {
  const id = `pipeline-${slug(p.name)}`;
  const body = el('div', { class: 'pipeline-body' }, el('p', { class: 'muted' }, 'Loading runs…'));
  const runResult = el('p', { class: 'run-result', id: `${id}-result`, role: 'status', 'aria-live': 'polite' });
  const lastRun = el('span', {}, runFact(p.last_run));
  const lastSuccess = el('span', {}, p.last_success_at ? when(p.last_success_at) : 'never');
  const path = `/pipelines/${encodeURIComponent(p.name)}`;
  const refresh = async () => {
    try {
      const [{ runs }, quarantine, flags] = await Promise.all([api(`${path}/runs?limit=${RUNS_CHARTED}`), api(`${path}/quarantine`), api(`${path}/flags`)]);
      body.replaceChildren(...pipelineBody(runs, quarantine, flags));
      if (runs.length > 0) lastRun.textContent = runFact(runs[0]);
      const succeeded = runs.find((/** @type {any} */ r) => r.status === 'succeeded');
      if (succeeded?.ended_at) lastSuccess.textContent = when(succeeded.ended_at);
    } catch (error) {
      body.replaceChildren(el('p', { class: 'error' }, `Could not read the runs: ${problem(error)}`));
    }
  };
  const button = me?.rights.has('operate')
    ? el('button', { type: 'button', class: 'run-now', 'aria-describedby': runResult.id, onclick: (event) => void runNow(p.name, /** @type {HTMLButtonElement} */ (event.currentTarget), runResult, refresh) }, label('Run now', '立即运行'))
    : null;
  const section = el('section', { class: 'pipeline', id, 'aria-labelledby': `${id}-title` },
    el('h3', { id: `${id}-title` }, p.name, ' ', el('span', { class: 'muted' }, text(p.system))),
    facts([
      [label('Entity', '实体'), text(p.entity)],
      [label('Connector', '连接器'), text(p.connector)],
      [label('Schedule', '计划'), p.schedule ? el('code', {}, p.schedule) : 'none (runs by hand)'],
      [label('Last run', '最近运行'), lastRun],
      [label('Last success', '最近成功'), lastSuccess],
    ], true),
    button ? el('div', { class: 'actions' }, button, runResult) : null,
    body);
  return { section, refresh };
}

/** @param {any[]} runs newest first @param {any} quarantine @param {any} flags */
function pipelineBody(runs, quarantine, flags) {
  const oldestFirst = [...runs].reverse();
  const dispositions = oldestFirst.map((r) => ({ label: `#${r.run_no}`, values: { loaded: Number(r.loaded) || 0, duplicates: Number(r.duplicates) || 0, quarantined: Number(r.quarantined) || 0 } }));
  const reasons = oldestFirst.map((r) => ({ label: `#${r.run_no}`, values: reasonCounts(r.reason_summary) }));
  // Flags count records by the run that last changed them: a run that changed none has no bar.
  /** @type {Map<number, Record<string, number>>} */
  const flagsByRun = new Map();
  for (const row of flags?.by_run ?? []) {
    const values = flagsByRun.get(Number(row.run_no)) ?? {};
    values[row.flag] = (values[row.flag] ?? 0) + Number(row.records);
    flagsByRun.set(Number(row.run_no), values);
  }
  const flagBars = oldestFirst.map((r) => ({ label: `#${r.run_no}`, values: flagsByRun.get(Number(r.run_no)) ?? {} }));
  return [
    el('div', { class: 'charts' },
      stackedBars({
        title: label('Rows by disposition, per run', '每批次行数'),
        bars: dispositions,
        series: [{ key: 'loaded', label: 'loaded 入库', className: 'd-loaded' }, { key: 'duplicates', label: 'duplicates 重复', className: 'd-duplicates' }, { key: 'quarantined', label: 'quarantined 隔离', className: 'd-quarantined' }],
        empty: 'No rows read yet.',
      }),
      stackedBars({ title: label('Quarantine reasons, per run', '隔离原因'), bars: reasons, series: seriesOf(reasons), empty: 'No row quarantined in these runs.' }),
      stackedBars({ title: label('Data-quality flags, by the run that last changed the record', '数据质量标记'), bars: flagBars, series: seriesOf(flagBars), empty: 'No record changed by these runs carries a flag.' })),
    (quarantine?.reasons ?? []).length
      ? table([['reason_code', label('Reason', '原因')], ['rows', label('Rows', '行数')]], quarantine.reasons, { caption: label('Quarantined in the latest successful run', '最近一次成功运行的隔离行') })
      : el('p', { class: 'muted' }, 'Nothing quarantined in the latest successful run.'),
    runs.length === 0 ? el('p', {}, 'No run yet.') : table([
      ['run_no', label('Run', '批次')], ['trigger', label('Trigger', '触发')], ['status', label('Status', '状态')], ['started_at', label('Started', '开始')], ['duration', label('Took', '耗时')],
      ['rows_read', label('Read', '读取')], ['loaded', label('Loaded', '入库')], ['duplicates', label('Duplicates', '重复')], ['quarantined', label('Quarantined', '隔离')], ['events', label('Events', '变更事件')], ['error_code', label('Error', '错误')],
    ], runs.slice(0, RUNS_LISTED), {
      className: 'runs',
      caption: label('Latest runs', '最近运行'),
      cell: (row, k) => (k === 'run_no' ? `#${row.run_no}` : k === 'started_at' ? when(row.started_at) : k === 'duration' ? duration(row) : k === 'status' ? el('span', { class: `status status-${String(row.status)}` }, text(row.status)) : text(row[k])),
    }),
  ];
}

/** @param {number} ms */
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a run of `name` through serve's job queue and follows it: polls the newest run until one
 * newer than the newest before the click has ended, then says how it went and refreshes the section.
 * @param {string} name @param {HTMLButtonElement} button @param {HTMLElement} out @param {() => Promise<void>} refresh
 */
async function runNow(name, button, out, refresh) {
  const path = `/pipelines/${encodeURIComponent(name)}/runs`;
  button.disabled = true;
  out.className = 'run-result';
  out.textContent = 'Starting…';
  try {
    const newest = async () => (await api(`${path}?limit=1`)).runs[0];
    const before = Number((await newest())?.run_no ?? 0);
    const queued = await api(path, { method: 'POST' });
    out.textContent = `Queued (${text(queued?.job)}); waiting for the run to end…`;
    for (const deadline = Date.now() + RUN_WAIT_MS; ;) {
      const run = await newest();
      if (run && Number(run.run_no) > before && run.status !== 'running') {
        out.textContent = describeRun(run);
        out.className = `run-result status-${run.status}`;
        break;
      }
      if (Date.now() > deadline) throw new Error('the run did not end within 10 minutes (it may still be queued)');
      await pause(RUN_POLL_MS);
    }
    await refresh();
  } catch (error) {
    out.textContent = `Run not started or not followed: ${problem(error)}`;
    out.className = 'run-result status-failed';
  } finally {
    button.disabled = false;
  }
}

/* ------------------------------------------------------------------ start */

function start() {
  byId('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ (byId('token'));
    const token = input.value.trim();
    input.value = '';
    byId('sign-in-error').textContent = 'Checking the token…';
    signIn(token).then(() => (byId('sign-in-error').textContent = ''), (error) => {
      byId('sign-in-error').textContent = error instanceof ApiError && error.status === 401 ? 'The server does not know this token.' : `Could not sign in: ${problem(error)}`;
    });
  });
  byId('lookup-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void lookup(/** @type {HTMLInputElement} */ (byId('code')).value);
  });
  byId('sign-out').addEventListener('click', () => signOut('Signed out.'));
  window.addEventListener('hashchange', () => me && route());
  if (sessionStorage.getItem(TOKEN_KEY)) signIn().catch((error) => signOut(`Could not sign in: ${problem(error)}`));
  else byId('token').focus();
}

start();
