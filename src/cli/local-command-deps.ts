/** What a command that works on the database directly (no server holds it) needs besides the database. */
import type { Config } from '../config.ts';
import { createCredentialVault, loadEncryptionKey } from '../connectors/credential-vault.ts';
import type { Db } from '../db/db.ts';
import { createLogger } from '../logger.ts';

export function localCommandDeps(config: Config, db: Db) {
  return {
    db,
    config,
    vault: createCredentialVault(loadEncryptionKey(config)),
    // A command's own output is its report: info lines would interleave with it.
    log: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
  };
}
