/**
 * The outbound-URL policy: which URLs the server may call on a tenant's behalf (a connection's base_url,
 * URLs from credentials or from an upstream's answer, and any later tenant-supplied endpoint). Operator
 * configuration (PANDORA_<CONNECTOR>_BASE_URL, a connector's fixed API host) is trusted and not checked.
 *
 * With an allow-list only the listed hosts, schemes and ports pass. Private addresses (loopback,
 * link-local, private, unspecified, reserved) are refused when `privateAddresses` is 'deny': here for
 * IP literals, and in outbound-fetch.ts on the address a host name resolves to at connect time.
 */
import { ValidationError } from '../errors.ts';
import { type AddressClass, classifyAddress, describeAddressClass } from './ip-address.ts';

export interface AllowedHost {
  /** Lower-case host as a URL spells it; `*.example.com` matches any subdomain of example.com. */
  host: string;
  protocol: 'https:' | 'http:';
  /** Explicit port, or the scheme's default when the entry names none. */
  port: number;
}

export interface OutboundPolicy {
  allowedHosts: readonly AllowedHost[];
  privateAddresses: 'allow' | 'deny';
}

/** A URL the policy refuses: a 400 at connect time, a recorded failure during a sync. */
export class OutboundUrlRefusedError extends ValidationError {}

const DEFAULT_PORT = { 'https:': 443, 'http:': 80 } as const;

/** PANDORA_ALLOWED_BASE_URL_HOSTS: `api.example.com`, `api.example.com:8443`, `http://localhost:4000`, `*.my.salesforce.com`. */
export function parseAllowedHosts(text: string | undefined): AllowedHost[] {
  const entries = (text ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  return entries.map((entry) => {
    const wildcard = /^(https?:\/\/)?\*\./i.exec(entry);
    const spelled = /^https?:\/\//i.test(entry) ? entry : `https://${entry}`;
    let url: URL;
    try {
      url = new URL(wildcard ? spelled.replace('*.', 'wildcard.') : spelled);
    } catch {
      throw new Error(
        `PANDORA_ALLOWED_BASE_URL_HOSTS: "${entry}" is not a host[:port] or scheme://host[:port]`,
      );
    }
    if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username || url.password)
      throw new Error(`PANDORA_ALLOWED_BASE_URL_HOSTS: "${entry}" must name only a scheme, host and port`);
    const protocol = url.protocol as AllowedHost['protocol'];
    const host = wildcard ? url.hostname.replace(/^wildcard\./, '*.') : url.hostname;
    return { host, protocol, port: url.port ? Number(url.port) : DEFAULT_PORT[protocol] };
  });
}

function hostMatches(entry: AllowedHost, hostname: string): boolean {
  if (entry.host.startsWith('*.')) return hostname.endsWith(entry.host.slice(1));
  return entry.host === hostname;
}

function effectivePort(url: URL): number {
  return url.port ? Number(url.port) : DEFAULT_PORT[url.protocol as AllowedHost['protocol']];
}

/** A refusal reason for an address a connection would reach, or null when the policy lets it through. */
export function refusedAddress(policy: OutboundPolicy, address: string): string | null {
  if (policy.privateAddresses === 'allow') return null;
  const cls: AddressClass | null = classifyAddress(address);
  if (cls === null || cls === 'public') return null;
  return `${address} is ${describeAddressClass(cls)}, and this deployment does not call private addresses`;
}

/**
 * Checks a tenant-supplied URL before anything is sent: scheme, no embedded user:password, the
 * allow-list, and private IP literals. Host names are checked again on their resolved addresses when
 * the connection opens. `what` names the URL in the message ("base_url", "credentials.instance_url").
 */
export function checkOutboundUrl(policy: OutboundPolicy, raw: string | URL, what = 'URL'): URL {
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw;
  } catch {
    throw new OutboundUrlRefusedError(`${what}: not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new OutboundUrlRefusedError(`${what}: must be an http(s) URL`);
  if (url.username || url.password)
    throw new OutboundUrlRefusedError(`${what}: must not carry a user name or password`);
  const hostname = url.hostname.toLowerCase();
  if (policy.allowedHosts.length > 0) {
    const listed = policy.allowedHosts.some(
      (e) => hostMatches(e, hostname) && e.protocol === url.protocol && e.port === effectivePort(url),
    );
    if (!listed)
      throw new OutboundUrlRefusedError(
        `${what}: ${url.protocol}//${url.host} is not in PANDORA_ALLOWED_BASE_URL_HOSTS`,
      );
  }
  if (policy.privateAddresses === 'deny') {
    const bare = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
    const refused =
      bare === 'localhost' || bare.endsWith('.localhost')
        ? `${bare} is a loopback address, and this deployment does not call private addresses`
        : refusedAddress(policy, bare);
    if (refused) throw new OutboundUrlRefusedError(`${what}: ${refused}`);
  }
  return url;
}
