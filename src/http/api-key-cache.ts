/**
 * Verified API keys, remembered for a few seconds so a busy key costs no database round trip per
 * request. Only successful verifications are kept. A revoke through this process's API forgets the key at
 * once; a revoke elsewhere (the CLI, another instance) takes effect within the TTL.
 */
import type { ApiKeyScope } from '../workspaces/api-keys.ts';

export interface VerifiedKey {
  /** The workspace the key belongs to (not necessarily the one a request names). */
  workspaceId: string;
  keyId: string;
  scopes: readonly ApiKeyScope[];
}

const MAX_ENTRIES = 10_000;

export class ApiKeyCache {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, VerifiedKey & { expires: number }>();

  constructor(ttlSeconds: number) {
    this.#ttlMs = ttlSeconds * 1000;
  }

  get(token: string): VerifiedKey | undefined {
    const hit = this.#entries.get(token);
    if (!hit) return undefined;
    if (hit.expires <= Date.now()) {
      this.#entries.delete(token);
      return undefined;
    }
    return hit;
  }

  set(token: string, verified: VerifiedKey): void {
    if (this.#ttlMs <= 0) return;
    // Insertion order is age order: past the cap, the oldest entry goes.
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(token, { ...verified, expires: Date.now() + this.#ttlMs });
  }

  forget(workspaceId: string, keyId?: string): void {
    for (const [key, entry] of this.#entries) {
      if (entry.workspaceId === workspaceId && (keyId === undefined || entry.keyId === keyId)) {
        this.#entries.delete(key);
      }
    }
  }
}
