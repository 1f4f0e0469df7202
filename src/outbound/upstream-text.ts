/**
 * What is kept of an upstream's words: text from an external service (error bodies, messages) is
 * scrubbed of the connection's secrets and of anything shaped like a token or key, and cut to 200
 * characters, before it is stored, logged or returned. An upstream that echoes our Authorization header
 * back must not put the token into sync_log, a log line or an API response.
 */

export const UPSTREAM_TEXT_MAX = 200;
const REDACTED = '[redacted]';
// Shorter values (a region code, "true") are not secret enough to hunt for and would shred the text.
const MIN_SECRET_LENGTH = 6;

// Authorization schemes, whatever follows them: "Bearer [redacted]".
const AUTH_SCHEME = /\b(Bearer|Basic|Token|Bot)\s+[A-Za-z0-9\-._~+/]+=*/gi;
// name=value / "name": "value" pairs whose name says secret: the name stays, the value goes.
const SECRET_PAIR =
  /\b((?:api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|id[_-]?token|client[_-]?secret|secret|password|passwd|token|authorization|x-api-key)["']?\s*[:=]\s*["']?)(?!\[redacted\])(?:(?:Bearer|Basic)\s+)?[^"'\s,;&}]+/gi;
// Well-known key formats: HubSpot private apps, Slack, GitHub, OpenAI/Anthropic, AWS, Google, Salesforce sessions, JWTs.
const KEY_SHAPES: readonly RegExp[] = [
  /\bpat-[a-z]{2,4}\d?-[0-9a-f-]{8,}/gi,
  /\bxox[abpors]-[A-Za-z0-9-]{10,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{30,}/g,
  /\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{20,}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
];

// Any long run of key-ish characters mixing letters and digits (opaque tokens); UUIDs and plain numbers
// are record ids, which an error message may usefully name.
const OPAQUE = /[A-Za-z0-9_\-+=]{32,}/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The spellings a secret may take in a body that quotes it: as is, JSON-escaped, URL-encoded, base64. */
function spellings(secret: string): string[] {
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  forms.add(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** Every string value inside a credentials object (tokens, secrets, instance URLs, user names). */
export function secretsOf(...values: unknown[]): string[] {
  const out = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string') {
      if (v.length >= MIN_SECRET_LENGTH) out.add(v);
      // "Bearer abc…" / "Basic abc…": the credential part alone too.
      const scheme = /^\S+\s+(\S{6,})$/.exec(v);
      if (scheme) out.add(scheme[1]!);
    } else if (v !== null && typeof v === 'object') for (const inner of Object.values(v)) visit(inner);
  };
  for (const v of values) visit(v);
  return [...out];
}

/** Redacts secrets and token shapes, flattens control characters, keeps at most `max` characters. */
export function scrubUpstreamText(
  text: string,
  secrets: readonly string[] = [],
  max = UPSTREAM_TEXT_MAX,
): string {
  let out = text;
  // Longest first, so a secret containing another is removed whole.
  const forms = secrets.flatMap(spellings).sort((a, b) => b.length - a.length);
  for (const form of forms) out = out.replace(new RegExp(escapeRegExp(form), 'gi'), REDACTED);
  out = out.replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(SECRET_PAIR, (_m, name: string) => `${name}${REDACTED}`);
  for (const shape of KEY_SHAPES) out = out.replace(shape, REDACTED);
  out = out.replace(OPAQUE, (run) =>
    UUID.test(run) || !/[0-9]/.test(run) || !/[A-Za-z]/.test(run) ? run : REDACTED,
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  out = out.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}
