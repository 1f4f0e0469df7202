/**
 * Connector credentials at rest: AES-256-GCM with a random 96-bit nonce per value. The stored envelope
 * is version byte | nonce | auth tag | ciphertext, so the format can change without guessing.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';

const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface CredentialVault {
  encrypt(value: unknown): Buffer;
  decrypt<T = unknown>(envelope: Buffer): T;
}

export function createCredentialVault(key: Buffer): CredentialVault {
  if (key.length !== 32) throw new Error('the encryption key must be 32 bytes');
  return {
    encrypt(value) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), body]);
    },
    decrypt<T>(envelope: Buffer): T {
      if (envelope[0] !== VERSION) throw new Error('unknown credential envelope version');
      const nonce = envelope.subarray(1, 1 + NONCE_BYTES);
      const tag = envelope.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, nonce);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([
        decipher.update(envelope.subarray(1 + NONCE_BYTES + TAG_BYTES)),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString('utf8')) as T;
    },
  };
}

/** Accepts 64 hex characters or base64 of 32 bytes. */
export function parseEncryptionKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== 32)
    throw new Error('PANDORA_ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64');
  return key;
}

/**
 * The key from PANDORA_ENCRYPTION_KEY; on the embedded backend without one, a key generated once and
 * kept in the data folder (0600). The server backend requires the variable: a key on one machine's disk
 * would strand every other instance.
 */
export function loadEncryptionKey(config: Config, opts: { ephemeral?: boolean } = {}): Buffer {
  if (config.encryptionKey) return parseEncryptionKey(config.encryptionKey);
  if (config.databaseUrl) {
    throw new Error(
      'PANDORA_ENCRYPTION_KEY is required with DATABASE_URL (generate one: openssl rand -hex 32)',
    );
  }
  if (opts.ephemeral) return randomBytes(32);
  const file = join(config.dataDir, 'encryption.key');
  if (existsSync(file)) return parseEncryptionKey(readFileSync(file, 'utf8'));
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex'), { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}
