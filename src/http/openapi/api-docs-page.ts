/** The API reference page: self-contained HTML rendered on the server from the OpenAPI document. */
import type { JsonSchema } from './openapi-document.ts';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function schemaLabel(schema: JsonSchema | undefined): string {
  if (!schema) return '';
  if (Array.isArray(schema.enum)) return schema.enum.join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? 'any');
  return schema.format ? `${type} (${schema.format})` : type;
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{
    name: string;
    in: string;
    description?: string;
    required?: boolean;
    schema?: JsonSchema;
  }>;
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
  responses: Record<string, { description: string }>;
}

function renderOperation(method: string, path: string, op: Operation): string {
  const params = op.parameters ?? [];
  const rows = params
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}${p.required ? ', required' : ''}</td>` +
        `<td>${esc(schemaLabel(p.schema))}</td><td>${esc(p.description)}</td></tr>`,
    )
    .join('');
  const body = op.requestBody?.content['application/json'].schema;
  const bodyFields = body?.properties
    ? Object.entries(body.properties as Record<string, JsonSchema>)
        .map(([name, s]) => `<code>${esc(name)}</code>: ${esc(schemaLabel(s))}`)
        .join(', ')
    : '';
  const responses = Object.entries(op.responses)
    .map(
      ([status, r]) => `<span class="status s${esc(status[0])}">${esc(status)}</span> ${esc(r.description)}`,
    )
    .join(' · ');
  return `<section class="op" id="${esc(`${method}-${path}`)}">
<h3><span class="method ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${esc(op.summary)}${op.security && op.security.length === 0 ? ' <em>(no authentication)</em>' : ''}</p>
${op.description ? `<p class="desc">${esc(op.description)}</p>` : ''}
${rows ? `<table><thead><tr><th>parameter</th><th>in</th><th>type</th><th>meaning</th></tr></thead><tbody>${rows}</tbody></table>` : ''}
${bodyFields ? `<p><strong>Body:</strong> ${bodyFields}</p>` : ''}
<p class="responses">${responses}</p>
</section>`;
}

export function renderApiDocsPage(doc: JsonSchema): string {
  const info = doc.info as { title: string; version: string; description: string };
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  const byTag = new Map<string, string[]>();
  const toc = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      if (!toc.has(tag)) toc.set(tag, []);
      byTag.get(tag)!.push(renderOperation(method, path, op));
      toc
        .get(tag)!
        .push(
          `<li><a href="#${esc(`${method}-${path}`)}">${esc(method.toUpperCase())} ${esc(path)}</a></li>`,
        );
    }
  }
  const nav = [...toc].map(([tag, items]) => `<h4>${esc(tag)}</h4><ul>${items.join('')}</ul>`).join('');
  const main = [...byTag]
    .map(([tag, ops]) => `<h2 id="tag-${esc(tag)}">${esc(tag)}</h2>${ops.join('')}`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} reference</title>
<style>
body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1d2330;display:flex}
nav{width:330px;height:100vh;overflow:auto;position:sticky;top:0;background:#f4f6fa;padding:1em;font-size:13px;box-sizing:border-box}
nav ul{list-style:none;padding:0;margin:0 0 1em}nav a{color:#30415d;text-decoration:none}
main{flex:1;padding:1em 2em;max-width:1000px}
.op{border:1px solid #dde3ee;border-radius:6px;padding:.2em 1em;margin:1em 0}
.method{display:inline-block;min-width:4em;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:2px 6px}
.get{background:#2f7d4a}.post{background:#2b62b8}.put,.patch{background:#a36a00}.delete{background:#b03030}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #e6e9f0;padding:3px 6px;text-align:left;vertical-align:top}
.status{font-weight:600}.s2{color:#2f7d4a}.s4{color:#b03030}.desc{color:#555}code{font-size:13px}
</style></head>
<body><nav><h3>${esc(info.title)} ${esc(info.version)}</h3><p><a href="/api/openapi.json">openapi.json</a></p>${nav}</nav>
<main><h1>${esc(info.title)}</h1><p>${esc(info.description)}</p>${main}</main></body></html>`;
}
