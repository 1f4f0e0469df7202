/**
 * Plausible values for a JSON Schema from the OpenAPI document, as fast-check arbitraries: the baseline
 * a fuzzed request starts from, so a hostile field is reached past the fields before it.
 */
import fc from 'fast-check';

export type Schema = Record<string, any>;

export interface ValueContext {
  /** Real ids of the fuzzed workspace's records; a uuid field takes one of them. */
  ids: readonly string[];
  /** A URL that answers on loopback, for uri fields. */
  url: string;
}

const MAX_DEPTH = 4;

/**
 * The schema with every `$ref` into the document's components replaced by the component, so the
 * generators and the hostile-field picker see the fields a named request body has. A component that
 * reaches itself stops at its second visit (as an open schema).
 */
export function inlineRefs(schema: Schema | undefined, doc: Schema, seen: readonly string[] = []): any {
  if (Array.isArray(schema)) return schema.map((s) => inlineRefs(s, doc, seen));
  if (!schema || typeof schema !== 'object') return schema;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
    if (seen.includes(name)) return {};
    const { $ref: _ref, ...siblings } = schema;
    return { ...inlineRefs(target, doc, [...seen, name]), ...siblings };
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inlineRefs(v, doc, seen)]));
}

function stringValue(schema: Schema, ctx: ValueContext): fc.Arbitrary<string> {
  switch (schema.format) {
    case 'date':
      return fc
        .date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'date-time':
      return fc
        .date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'uuid':
      return fc.constantFrom(...ctx.ids);
    case 'email':
      return fc.constantFrom('ana@acme.test', 'rep@example.com');
    case 'uri':
      return fc.constant(ctx.url);
  }
  const max = Math.min(schema.maxLength ?? 24, 24);
  const min = Math.min(schema.minLength ?? 1, max);
  return fc.string({ minLength: min, maxLength: max, unit: 'grapheme-ascii' });
}

function numberValue(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? schema.exclusiveMinimum ?? 0;
  const max = schema.maximum ?? schema.exclusiveMaximum ?? min + 1_000_000;
  return integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(Math.min(max, min + 1_000_000)) })
    : fc.double({ min, max: Math.min(max, min + 1_000_000), noNaN: true, noDefaultInfinity: true });
}

/** A value the schema accepts (or close to it, where the schema says less than the server checks). */
export function schemaValue(schema: Schema | undefined, ctx: ValueContext, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > MAX_DEPTH) return fc.constantFrom('x', 1, true, null);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives) && alternatives.length)
    return fc.oneof(...alternatives.map((s: Schema) => schemaValue(s, ctx, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (type.length > 1)
    return fc.oneof(...type.map((t: string) => schemaValue({ ...schema, type: t }, ctx, depth)));
  switch (type[0]) {
    case 'string':
      return stringValue(schema, ctx);
    case 'integer':
      return numberValue(schema, true);
    case 'number':
      return numberValue(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schemaValue(schema.items, ctx, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object':
      return objectValue(schema, ctx, depth);
    default:
      return fc.constantFrom('x', 1, true, null, {});
  }
}

function objectValue(
  schema: Schema,
  ctx: ValueContext,
  depth: number,
): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const names = Object.keys(properties);
  if (names.length === 0) {
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
      return fc.dictionary(
        fc.string({ minLength: 1, maxLength: 12 }),
        schemaValue(schema.additionalProperties, ctx, depth + 1),
        {
          maxKeys: 3,
        },
      );
    return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 3,
    });
  }
  const required = new Set<string>(schema.required ?? []);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of names) record[name] = schemaValue(properties[name], ctx, depth + 1);
  return fc.record(record, { requiredKeys: names.filter((n) => required.has(n)) }) as fc.Arbitrary<
    Record<string, unknown>
  >;
}
