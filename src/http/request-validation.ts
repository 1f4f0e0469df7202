/** zod at the HTTP edge: every body, query string and path parameter is parsed before use. */
import { z } from 'zod';
import { ValidationError } from '../errors.ts';

export { isoDate, isoDateTime, moneyAmount } from '../validation/input-values.ts';

export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'path',
): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    field: i.path.join('.') || where,
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
  const first = issues[0]!;
  throw new ValidationError(`invalid ${where}: ${first.field}: ${first.message}`, { issues });
}

export const uuidParam = z.string().uuid();
