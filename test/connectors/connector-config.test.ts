import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { hubspotAdapter } from '../../src/connectors/hubspot/hubspot-adapter.ts';
import { salesforceAdapter } from '../../src/connectors/salesforce/salesforce-adapter.ts';
import { resolveBaseUrl } from '../../src/sync/connector-context.ts';

test('PANDORA_<CONNECTOR>_BASE_URL and _RATE_LIMIT are read into maps', () => {
  const config = loadConfig({
    PANDORA_HUBSPOT_BASE_URL: 'http://127.0.0.1:4010',
    PANDORA_FILE_IMPORT_BASE_URL: 'http://127.0.0.1:4011',
    PANDORA_GONG_RATE_LIMIT: '3/1',
  });
  assert.deepEqual(config.connectorBaseUrls, {
    hubspot: 'http://127.0.0.1:4010',
    file_import: 'http://127.0.0.1:4011',
  });
  assert.deepEqual(config.connectorRateLimits, { gong: { capacity: 3, refillPerSecond: 3 } });
  assert.throws(() => loadConfig({ PANDORA_HUBSPOT_BASE_URL: 'not a url' }), /PANDORA_HUBSPOT_BASE_URL/);
  assert.throws(() => loadConfig({ PANDORA_HUBSPOT_RATE_LIMIT: 'fast' }), /PANDORA_HUBSPOT_RATE_LIMIT/);
});

test('base URL precedence: connection, then deployment, then the adapter default', () => {
  const plain = loadConfig({});
  const deployed = loadConfig({ PANDORA_HUBSPOT_BASE_URL: 'http://proxy.internal' });
  assert.equal(resolveBaseUrl(plain, hubspotAdapter, {}, null).url, 'https://api.hubapi.com');
  assert.equal(resolveBaseUrl(deployed, hubspotAdapter, {}, null).url, 'http://proxy.internal');
  assert.equal(resolveBaseUrl(deployed, hubspotAdapter, {}, 'http://sandbox').url, 'http://sandbox');
  const creds = { access_token: 'x'.repeat(20), instance_url: 'https://acme.my.salesforce.com' };
  assert.equal(resolveBaseUrl(plain, salesforceAdapter, creds, null).url, 'https://acme.my.salesforce.com');
});
