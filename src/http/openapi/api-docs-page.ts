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

const componentName = (schema: JsonSchema) =>
  typeof schema.$ref === 'string' ? schema.$ref.replace('#/components/schemas/', '') : undefined;

/** A schema in a few words, as HTML: its type, enum values, or the component it names (`Deal`, `Deal[]`), linked. */
function schemaLabel(schema: JsonSchema | undefined): string {
  if (!schema) return '';
  const name = componentName(schema);
  if (name) return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  if (Array.isArray(schema.enum)) return esc(schema.enum.join(' | '));
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).map(schemaLabel).join(' | ');
  if (schema.type === 'array' && schema.items) {
    const item = schemaLabel(schema.items as JsonSchema);
    return item.includes(' | ') ? `(${item})[]` : `${item}[]`;
  }
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? 'any');
  return esc(schema.format ? `${type} (${schema.format})` : type);
}

function fieldList(schema: JsonSchema | undefined): string {
  return schema?.properties
    ? Object.entries(schema.properties as Record<string, JsonSchema>)
        .map(([name, s]) => `<code>${esc(name)}</code>: ${schemaLabel(s)}`)
        .join(', ')
    : '';
}

/** What a success answer is: a component, or an object whose fields say which components it holds. */
function responseLabel(schema: JsonSchema | undefined): string {
  if (!schema) return '';
  if (componentName(schema) || !schema.properties) return ` → ${schemaLabel(schema)}`;
  return ` → {${fieldList(schema)}}`;
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
  responses: Record<
    string,
    { description: string; content?: { 'application/json'?: { schema: JsonSchema } } }
  >;
}

function renderOperation(method: string, path: string, op: Operation): string {
  const params = op.parameters ?? [];
  const rows = params
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}${p.required ? ', required' : ''}</td>` +
        `<td>${schemaLabel(p.schema)}</td><td>${esc(p.description)}</td></tr>`,
    )
    .join('');
  const body = op.requestBody?.content['application/json'].schema;
  const bodyFields = body && componentName(body) ? schemaLabel(body) : fieldList(body);
  const responses = Object.entries(op.responses)
    .map(
      ([status, r]) =>
        `<span class="status s${esc(status[0])}">${esc(status)}</span> ${esc(r.description)}` +
        (status.startsWith('2') ? responseLabel(r.content?.['application/json']?.schema) : ''),
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

function renderSchemas(schemas: Record<string, JsonSchema>): string {
  return Object.entries(schemas)
    .map(
      ([name, s]) => `<section class="op" id="schema-${esc(name)}"><h3><code>${esc(name)}</code></h3>
${s.description ? `<p class="desc">${esc(s.description)}</p>` : ''}<p>${fieldList(s) || schemaLabel(s)}</p></section>`,
    )
    .join('');
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
  const schemas = (doc.components as { schemas: Record<string, JsonSchema> }).schemas;
  const nav =
    [...toc].map(([tag, items]) => `<h4>${esc(tag)}</h4><ul>${items.join('')}</ul>`).join('') +
    `<h4>schemas</h4><ul>${Object.keys(schemas)
      .map((n) => `<li><a href="#schema-${esc(n)}">${esc(n)}</a></li>`)
      .join('')}</ul>`;
  const main =
    [...byTag].map(([tag, ops]) => `<h2 id="tag-${esc(tag)}">${esc(tag)}</h2>${ops.join('')}`).join('') +
    `<h2 id="schemas">Schemas</h2>${renderSchemas(schemas)}`;
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
