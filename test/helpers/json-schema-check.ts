/**
 * A small JSON-schema checker for the OpenAPI response schemas: type (one or a list), enum, required,
 * properties, additionalProperties (false or a schema), items, anyOf, $ref into the document's
 * components, and the formats uuid, date and date-time. Returns the JSON paths that do not match, empty
 * when the value conforms.
 */
type Schema = Record<string, any>;

const FORMATS: Record<string, RegExp> = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  date: /^\d{4}-\d{2}-\d{2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/,
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function resolve(schema: Schema, root: Schema | undefined): Schema {
  if (typeof schema.$ref !== 'string') return schema;
  const target = schema.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node: Schema | undefined, key: string) => node?.[key], root);
  if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
  return resolve(target, root);
}

export function schemaErrors(given: Schema, value: unknown, path = '$', root?: Schema): string[] {
  const schema = resolve(given, root);
  const errors: string[] = [];
  if (Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf.map((s: Schema) => schemaErrors(s, value, path, root));
    if (!branches.some((b: string[]) => b.length === 0))
      return branches.reduce((a: string[], b: string[]) => (b.length < a.length ? b : a));
  }
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const allowed: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const ok = allowed.includes(actual) || (actual === 'integer' && allowed.includes('number'));
    if (!ok) return [`${path}: expected ${allowed.join('|')}, got ${actual}`];
  }
  if (schema.enum && !schema.enum.includes(value))
    errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (
    typeof value === 'string' &&
    schema.format &&
    FORMATS[schema.format] &&
    !FORMATS[schema.format]!.test(value)
  ) {
    errors.push(`${path}: ${JSON.stringify(value)} is not a ${schema.format}`);
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) errors.push(`${path}.${key}: required`);
    for (const [key, v] of Object.entries(obj)) {
      const sub = schema.properties?.[key];
      if (sub) errors.push(...schemaErrors(sub, v, `${path}.${key}`, root));
      else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not documented`);
      else if (typeof schema.additionalProperties === 'object')
        errors.push(...schemaErrors(schema.additionalProperties, v, `${path}.${key}`, root));
    }
  }
  if (actual === 'array' && schema.items) {
    for (const [i, v] of (value as unknown[]).entries())
      errors.push(...schemaErrors(schema.items, v, `${path}[${i}]`, root));
  }
  return errors;
}
