/**
 * Terse builders for the response schemas. `obj` is closed (additionalProperties: false) with every
 * property required unless named optional, because that is what a generated client can rely on; `open`
 * and `record` say where a response may carry keys the document does not list (settings, raw source
 * data, per-skill results).
 */
import type { JsonSchema } from './openapi-document.ts';

export const str: JsonSchema = { type: 'string' };
export const int: JsonSchema = { type: 'integer' };
export const num: JsonSchema = { type: 'number' };
export const bool: JsonSchema = { type: 'boolean' };
export const uuid: JsonSchema = { type: 'string', format: 'uuid' };
export const dateTime: JsonSchema = { type: 'string', format: 'date-time' };
export const date: JsonSchema = { type: 'string', format: 'date' };
/** Any JSON value. */
export const anyValue: JsonSchema = {};

export function nullable(schema: JsonSchema): JsonSchema {
  if (schema.$ref) return { anyOf: [schema, { type: 'null' }] };
  const type = schema.type;
  if (type === undefined) return schema;
  const out = { ...schema, type: [...(Array.isArray(type) ? type : [type]), 'null'] };
  return Array.isArray(schema.enum) ? { ...out, enum: [...schema.enum, null] } : out;
}

export function enumOf(values: readonly string[]): JsonSchema {
  return { type: 'string', enum: [...values] };
}

export function arr(items: JsonSchema): JsonSchema {
  return { type: 'array', items };
}

interface ObjOptions {
  /** Properties that may be absent. */
  optional?: string[];
  description?: string;
}

export function obj(properties: Record<string, JsonSchema>, opts: ObjOptions = {}): JsonSchema {
  const optional = new Set(opts.optional ?? []);
  return {
    type: 'object',
    ...(opts.description ? { description: opts.description } : {}),
    properties,
    required: Object.keys(properties).filter((k) => !optional.has(k)),
    additionalProperties: false,
  };
}

/** An object with the listed properties that may carry more. */
export function open(properties: Record<string, JsonSchema> = {}, opts: ObjOptions = {}): JsonSchema {
  return { ...obj(properties, opts), additionalProperties: true };
}

/** A map from free keys (entity names, currencies, field names) to values of one schema. */
export function record(values: JsonSchema, description?: string): JsonSchema {
  return { type: 'object', additionalProperties: values, ...(description ? { description } : {}) };
}

/** `{data: [...]}`, the list envelope, with any extra top-level keys. */
export function dataList(items: JsonSchema, extra: Record<string, JsonSchema> = {}): JsonSchema {
  return obj({ data: arr(items), ...extra });
}

/** A keyset page: `{data, next_cursor}`. */
export function cursorPage(items: JsonSchema, extra: Record<string, JsonSchema> = {}): JsonSchema {
  return obj({ data: arr(items), next_cursor: nullable(str), ...extra });
}

/** A reference into components.schemas. */
export function ref(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

const COMPONENT = Symbol('component');

/**
 * A shared schema with a name: every use is a `$ref`, and the document lists the schema once under
 * components.schemas, under that name. The schema travels with the reference (a symbol key, which JSON
 * leaves out), so the document holds exactly the components its operations reach and a component cannot
 * drift from its uses.
 */
export function named(name: string, schema: JsonSchema): JsonSchema {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new Error(`component name ${name} is not PascalCase`);
  return Object.assign(ref(name), { [COMPONENT]: { name, schema } });
}

/** The name and schema behind a `named` reference (or a copy of one with siblings such as description). */
export function componentOf(schema: JsonSchema): { name: string; schema: JsonSchema } | undefined {
  return (schema as { [COMPONENT]?: { name: string; schema: JsonSchema } })[COMPONENT];
}

export function ok(schema: JsonSchema, description = 'ok') {
  return { status: 200, description, schema };
}
export function created(schema: JsonSchema) {
  return { status: 201, description: 'created', schema };
}
export function accepted(schema: JsonSchema) {
  return { status: 202, description: 'accepted; runs in the background', schema };
}
