// Small SVG charts: horizontal bars, a waterfall-style movement chart and a line. Each takes plain rows
// and returns an <svg> that scales to its container; the numbers are also in a caption table for readers
// who would rather read than look (and for screen readers).

const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function frame(width, height, label) {
  return s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: 'chart' });
}

/** rows: [{ label, value, note? }]; format(value) → text. */
export function barChart(rows, { label, format = String, tone = 'blue' } = {}) {
  const rowHeight = 28;
  const labelWidth = 150;
  const width = 640;
  const height = Math.max(rowHeight * rows.length + 10, 40);
  const svg = frame(width, height, label);
  const max = Math.max(...rows.map((r) => Math.abs(r.value)), 1);
  rows.forEach((r, i) => {
    const y = 5 + i * rowHeight;
    const w = Math.max(((width - labelWidth - 110) * Math.abs(r.value)) / max, r.value ? 2 : 0);
    svg.append(
      s('text', { x: labelWidth - 8, y: y + 18, 'text-anchor': 'end', class: 'axis' }, r.label),
      s('rect', { x: labelWidth, y: y + 4, width: w, height: rowHeight - 10, rx: 3, class: `bar ${tone}` }),
      s('text', { x: labelWidth + w + 6, y: y + 18, class: 'value' }, r.note ?? format(r.value)),
    );
  });
  return svg;
}

/** Movement buckets side by side: in-flows up (created, progressed), out-flows and pushes down. */
export function movementChart(rows, { label, format = String } = {}) {
  const width = 640;
  const height = 260;
  const mid = 130;
  const svg = frame(width, height, label);
  const max = Math.max(...rows.map((r) => r.value), 1);
  const slot = (width - 40) / rows.length;
  svg.append(s('line', { x1: 20, x2: width - 20, y1: mid, y2: mid, class: 'baseline' }));
  rows.forEach((r, i) => {
    const x = 20 + i * slot + slot * 0.2;
    const bar = ((mid - 30) * r.value) / max;
    const up = r.direction !== 'down';
    svg.append(
      s('rect', {
        x,
        y: up ? mid - bar : mid,
        width: slot * 0.6,
        height: Math.max(bar, r.value ? 2 : 0),
        rx: 3,
        class: `bar ${r.tone ?? (up ? 'green' : 'red')}`,
      }),
      s(
        'text',
        {
          x: x + slot * 0.3,
          y: up ? mid - bar - 6 : mid + bar + 16,
          'text-anchor': 'middle',
          class: 'value',
        },
        format(r.value),
      ),
      s(
        'text',
        { x: x + slot * 0.3, y: up ? mid + 16 : mid - 6, 'text-anchor': 'middle', class: 'axis' },
        r.label,
      ),
    );
  });
  return svg;
}

/** points: [{ label, value }] with values in 0..1 (a rate). */
export function rateLine(points, { label } = {}) {
  const width = 640;
  const height = 220;
  const pad = 36;
  const svg = frame(width, height, label);
  const step = points.length > 1 ? (width - 2 * pad) / (points.length - 1) : 0;
  const y = (v) => height - pad - (height - 2 * pad) * v;
  for (const v of [0, 0.5, 1]) {
    svg.append(
      s('line', { x1: pad, x2: width - pad, y1: y(v), y2: y(v), class: 'grid' }),
      s('text', { x: pad - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, `${v * 100}%`),
    );
  }
  const known = points.map((p, i) => ({ ...p, x: pad + i * step })).filter((p) => p.value !== null);
  if (known.length > 1)
    svg.append(s('polyline', { points: known.map((p) => `${p.x},${y(p.value)}`).join(' '), class: 'line' }));
  for (const p of known) {
    svg.append(s('circle', { cx: p.x, cy: y(p.value), r: 4, class: 'dot' }));
    const title = s('title', {}, `${p.label}: ${(p.value * 100).toFixed(1)}%`);
    svg.lastChild.append(title);
  }
  points.forEach((p, i) => {
    svg.append(
      s('text', { x: pad + i * step, y: height - 10, 'text-anchor': 'middle', class: 'axis' }, p.label),
    );
  });
  return svg;
}
