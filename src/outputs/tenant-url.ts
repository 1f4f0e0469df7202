/** URLs a tenant gives for outputs (a Slack webhook URL, a webhook endpoint) must be http(s) URLs the deployment allows. */
import type { Config } from '../config.ts';
import { ValidationError } from '../errors.ts';

export async function checkTenantUrl(config: Config, url: string, field: string): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError(`${field}: not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new ValidationError(`${field}: only http and https URLs are allowed`);
  if (parsed.username || parsed.password)
    throw new ValidationError(`${field}: credentials in the URL are not allowed`);
  const allowed = config.allowedBaseUrlHosts;
  if (allowed.length > 0 && !allowed.includes(parsed.hostname.toLowerCase()))
    throw new ValidationError(`${field}: host ${parsed.hostname} is not in PANDORA_ALLOWED_BASE_URL_HOSTS`);
}
