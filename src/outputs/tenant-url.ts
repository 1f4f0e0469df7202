/**
 * Tenant-supplied output URLs (a Slack incoming-webhook URL, a webhook endpoint) obey the same outbound
 * policy as connector URLs: checked when they are saved, and again on the resolved address each time a
 * request goes out (outbound-fetch.ts), with redirects to another host refused.
 */
import type { Config } from '../config.ts';
import { createOutboundFetch, type OutboundFetch } from '../outbound/outbound-fetch.ts';
import { checkOutboundUrl } from '../outbound/outbound-policy.ts';

export function checkTenantUrl(config: Config, url: string, field: string): void {
  checkOutboundUrl(config.outbound, url, field);
}

const fetchers = new WeakMap<Config['outbound'], OutboundFetch>();

/** One guarded fetch per policy, so its connection agent (and its DNS check) is shared. */
export function tenantFetch(config: Config): OutboundFetch {
  let f = fetchers.get(config.outbound);
  if (!f) {
    f = createOutboundFetch(config.outbound);
    fetchers.set(config.outbound, f);
  }
  return f;
}
