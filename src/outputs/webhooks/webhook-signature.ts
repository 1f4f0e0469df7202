/**
 * The one signature scheme of every webhook in and out (Slack's request signing is the model):
 * `X-Pandora-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` beside
 * `X-Pandora-Timestamp: <unix seconds>`, compared in constant time, refused outside a five-minute window.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-pandora-signature';
export const TIMESTAMP_HEADER = 'x-pandora-timestamp';
export const REPLAY_WINDOW_SECONDS = 300;

export function signWebhook(secret: string, timestamp: number, body: Buffer | string): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return `v1=${mac.digest('hex')}`;
}

/** The headers a signed request carries. */
export function signatureHeaders(
  secret: string,
  body: Buffer | string,
  now = Date.now(),
): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body) };
}

/** Constant time over equal lengths; a length mismatch compares against itself so it costs the same. */
export function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** A new secret: 32 random bytes, prefixed so a leaked one is recognisable in a scan. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
