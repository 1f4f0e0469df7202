// DOM helpers. Text always goes in through textContent: nothing from the API is parsed as HTML.

/** h('a', { href: '#/x', class: 'btn' }, 'text', child): attributes starting with "on" become listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    // Through the CSSOM: the content security policy refuses style attributes, not style properties.
    else if (name === 'style') el.style.cssText = value;
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** A placeholder of the final block's height while data loads, so nothing jumps when it arrives. */
export function loading(label = 'Loading…', lines = 3) {
  return h(
    'div',
    { class: 'state loading', role: 'status', 'aria-live': 'polite' },
    h('span', { class: 'sr' }, label),
    Array.from({ length: lines }, () => h('div', { class: 'skeleton' })),
  );
}

export function empty(message) {
  return h('div', { class: 'state empty' }, message);
}

export function errorBox(err, retry) {
  return h(
    'div',
    { class: 'state error', role: 'alert' },
    h('strong', {}, err?.code ? `${err.code}: ` : 'Error: '),
    err?.message ?? String(err),
    retry ? h('button', { type: 'button', class: 'btn small', onclick: retry }, 'Retry') : null,
  );
}

/** Fills `el` from an async loader, with loading, empty and error states. */
export async function section(el, load, render, { emptyText = 'Nothing here yet.', lines = 3 } = {}) {
  replace(el, loading(undefined, lines));
  try {
    const data = await load();
    const out = render(data);
    replace(el, out ?? empty(emptyText));
  } catch (err) {
    replace(
      el,
      errorBox(err, () => section(el, load, render, { emptyText, lines })),
    );
  }
}

const moneyFormats = new Map();
export function money(amount, currency = 'USD', compact = true) {
  if (amount === null || amount === undefined || Number.isNaN(Number(amount))) return '—';
  const key = `${currency}:${compact}`;
  if (!moneyFormats.has(key)) {
    moneyFormats.set(
      key,
      new Intl.NumberFormat('en-US', {
        style: 'currency',
        currency,
        notation: compact ? 'compact' : 'standard',
        maximumFractionDigits: compact ? 1 : 0,
      }),
    );
  }
  return moneyFormats.get(key).format(Number(amount));
}

export function pct(x, digits = 0) {
  return x === null || x === undefined ? '—' : `${(Number(x) * 100).toFixed(digits)}%`;
}

export function date(value) {
  if (!value) return '—';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toISOString().slice(0, 10);
}

export function ago(value) {
  if (!value) return 'never';
  const minutes = Math.round((Date.now() - new Date(value).getTime()) / 60000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

export function badge(text, tone = 'neutral') {
  return h('span', { class: `badge ${tone}` }, text);
}

export function card(title, ...body) {
  return h('section', { class: 'card' }, title ? h('h2', {}, title) : null, ...body);
}

export function table(columns, rows, { caption } = {}) {
  return h(
    'table',
    {},
    caption ? h('caption', {}, caption) : null,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          {},
          columns.map((c) => h('td', { class: c.class }, c.cell(row))),
        ),
      ),
    ),
  );
}

export function json(value) {
  return h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
}
