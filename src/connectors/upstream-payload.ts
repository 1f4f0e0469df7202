/** Connector responses are validated like any other input: a payload of the wrong shape is an UpstreamError. */
import type { z } from 'zod';
import { UpstreamError } from '../errors.ts';
import { scrubUpstreamText } from '../outbound/upstream-text.ts';

export function parseUpstream<S extends z.ZodType>(
  service: string,
  what: string,
  schema: S,
  value: unknown,
): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'body';
  throw new UpstreamError(
    service,
    200,
    // The payload excerpt travels into logs: token shapes out, 200 characters at most.
    scrubUpstreamText(JSON.stringify(value ?? null)),
    `${service}: unexpected ${what} payload (${where})`,
  );
}
