import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import {
  createCredentialVault,
  loadEncryptionKey,
  parseEncryptionKey,
} from '../../src/connectors/credential-vault.ts';

test('credentials round-trip, and the envelope hides them', () => {
  const vault = createCredentialVault(randomBytes(32));
  const secret = { access_token: 'pat-na1-abcdef', refresh_token: 'r-123' };
  const envelope = vault.encrypt(secret);
  assert.ok(!envelope.toString('latin1').includes('pat-na1'));
  assert.deepEqual(vault.decrypt(envelope), secret);
  // A fresh nonce each time: equal inputs never give equal envelopes.
  assert.notDeepEqual(vault.encrypt(secret), envelope);
});

test('a tampered envelope or a wrong key fails loudly', () => {
  const vault = createCredentialVault(randomBytes(32));
  const envelope = vault.encrypt({ token: 'x' });
  const tampered = Buffer.from(envelope);
  tampered[tampered.length - 1]! ^= 1;
  assert.throws(() => vault.decrypt(tampered));
  assert.throws(() => createCredentialVault(randomBytes(32)).decrypt(envelope));
});

test('keys parse from hex or base64; the server backend requires one', () => {
  const key = randomBytes(32);
  assert.deepEqual(parseEncryptionKey(key.toString('hex')), key);
  assert.deepEqual(parseEncryptionKey(key.toString('base64')), key);
  assert.throws(() => parseEncryptionKey('too-short'), /32 bytes/);
  assert.throws(
    () => loadEncryptionKey(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db' })),
    /PANDORA_ENCRYPTION_KEY is required/,
  );
});
