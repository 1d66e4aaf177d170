// Small DOM helpers. Everything from the server goes in as text (textContent,
// attributes), never as HTML: check messages and names are user data.

/**
 * h('a', { href: '#/', class: 'x', onclick: fn }, 'text', child) → element.
 * @param {string} tag
 * @param {Record<string, unknown> | null} [props]
 * @param {...(Node | string | number | null | undefined | false | Array<Node | string>)} children
 * @returns {HTMLElement}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    // Through the CSSOM, not a style attribute: the page's CSP allows no inline styles.
    else if (key === 'style') Object.assign(el.style, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** A table of class grid: a header row of these titles (null: no column), then the given rows. */
export function gridTable(titles, rows) {
  return h(
    'table',
    { class: 'grid' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        titles.filter((t) => t !== null).map((t) => h('th', null, t)),
      ),
    ),
    h('tbody', null, rows),
  );
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replace an element's content. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** "4 s", "3 min", "2 h 5 min", "3 d" — how long, for people. */
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return m % 60 ? `${hours} h ${m % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

/** A <time> saying how long ago, with the exact time on hover. */
export function ago(iso, now) {
  if (!iso) return h('span', { class: 'muted' }, 'never');
  const at = new Date(iso);
  return h('time', { datetime: iso, title: at.toLocaleString() }, `${duration(now - at.getTime())} ago`);
}

/** "for 3 min", with the start on hover. */
export function since(iso, now) {
  const at = new Date(iso);
  return h('time', { datetime: iso, title: `since ${at.toLocaleString()}` }, duration(now - at.getTime()));
}

export function statusBadge(status) {
  return h('span', { class: `badge st-${status}` }, status);
}

export const STATUS_ORDER = { CRITICAL: 0, WARNING: 1, UNKNOWN: 2, PENDING: 3, OK: 4 };

/** A clock time with the full date and time on hover and the exact instant in datetime. */
function clock(iso) {
  const at = new Date(iso);
  return h('time', { datetime: iso, title: at.toLocaleString() }, at.toLocaleTimeString());
}

/**
 * "CRITICAL pending since 12:00:10, counts at 12:01:10": a problem waiting
 * for its for: window, which is not counted (not failing, not mailed) yet.
 */
export function pendingNote(pending) {
  return h(
    'span',
    { class: `pending-note st-text-${pending.status}` },
    `${pending.status} pending since `,
    clock(pending.since),
    ', counts at ',
    clock(pending.countsAt),
  );
}

/** A check's value as its kind means it. */
export function formatValue(kind, value) {
  if (value === null || value === undefined) return '–';
  if (kind === 'cpu' || kind === 'memory' || kind === 'disk') return `${value.toFixed(1)} %`;
  return String(Math.round(value * 100) / 100);
}

export const checkHref = (namespace, name) => `#/checks/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
export const agentHref = (name) => `#/agents/${encodeURIComponent(name)}`;
