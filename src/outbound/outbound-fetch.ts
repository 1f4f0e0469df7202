/**
 * The fetch every call on a tenant's behalf goes through. Each URL (and each redirect target) passes the
 * outbound policy; host names are resolved by our own lookup inside the connection agent, so the address
 * judged is the address connected to and a DNS answer that changes between check and use (rebinding)
 * gains nothing. Redirects are followed by hand, and only on the same host.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import {
  checkOutboundUrl,
  type OutboundPolicy,
  OutboundUrlRefusedError,
  refusedAddress,
} from './outbound-policy.ts';

const MAX_REDIRECTS = 5;

/** The fetch signature the HTTP client calls. */
export type OutboundFetch = (url: URL, init: RequestInit) => Promise<Response>;

/** How host names are resolved; tests give a resolver that answers what an attacker's DNS would. */
export type Resolver = (
  hostname: string,
  options: { all: true },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

function policyLookup(policy: OutboundPolicy, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      // Every answer must pass: a name that resolves to one public and one private address is refused.
      for (const a of addresses) {
        const refused = refusedAddress(policy, a.address);
        if (refused)
          return callback(new OutboundUrlRefusedError(`${hostname} resolves to ${refused}`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** The policy's refusal, if undici wrapped it on its way out of the connector. */
function unwrapRefusal(err: unknown): unknown {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current instanceof OutboundUrlRefusedError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return err;
}

function redirectTarget(res: Response, from: URL): URL | null {
  if (res.status < 300 || res.status > 399 || res.status === 304) return null;
  const location = res.headers.get('location');
  if (!location) return null;
  const to = new URL(location, from);
  if (to.hostname !== from.hostname)
    throw new OutboundUrlRefusedError(`redirect from ${from.host} to another host (${to.host}) refused`);
  return to;
}

function redirectedInit(init: RequestInit, status: number): RequestInit {
  // 301/302/303 turn a POST into a GET without its body (as browsers and fetch do); 307/308 keep both.
  if (status === 303 || ((status === 301 || status === 302) && init.method && init.method !== 'GET')) {
    const headers = { ...(init.headers as Record<string, string> | undefined) };
    delete headers['content-type'];
    return { ...init, method: 'GET', body: undefined, headers };
  }
  return init;
}

/**
 * A fetch bound to a policy. `trusted` (operator-configured URLs) skips the address checks but keeps the
 * same-host redirect rule. Later features that call tenant-supplied URLs (Slack, webhooks, workflows)
 * take theirs from here.
 */
export function createOutboundFetch(
  policy: OutboundPolicy,
  options: { trusted?: boolean; resolve?: Resolver } = {},
): OutboundFetch {
  const guarded = !options.trusted;
  // No agent needed when nothing is checked at connect time.
  const dispatcher =
    guarded && (policy.privateAddresses === 'deny' || options.resolve)
      ? new Agent({ connect: { lookup: policyLookup(policy, options.resolve ?? (dnsLookup as Resolver)) } })
      : undefined;
  return async (start, init) => {
    let url = start;
    let current = init;
    for (let hop = 0; ; hop++) {
      if (guarded) checkOutboundUrl(policy, url);
      let res: Response;
      try {
        res = (await undiciFetch(url, {
          ...(current as object),
          redirect: 'manual',
          ...(dispatcher ? { dispatcher } : {}),
        })) as unknown as Response;
      } catch (err) {
        throw unwrapRefusal(err);
      }
      const next = redirectTarget(res, url);
      if (!next) return res;
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS)
        throw new OutboundUrlRefusedError(`more than ${MAX_REDIRECTS} redirects from ${start.host}`);
      current = redirectedInit(current, res.status);
      url = next;
    }
  };
}
