/**
 * Upload temp files: one per batch in the import folder (config.import.dir). Files older than 24 h are
 * removed at startup and hourly; a batch's file is removed once it is applied or cancelled. With web and
 * worker processes on different machines the folder must be shared storage.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../logger.ts';

export const TEMP_MAX_AGE_MS = 24 * 3600 * 1000;

export async function newTempPath(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return join(dir, `${randomUUID()}.upload`);
}

export async function removeTempFile(path: string | null | undefined): Promise<void> {
  if (path) await rm(path, { force: true });
}

export async function cleanTempFiles(dir: string, log: Logger, now = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.endsWith('.upload')) continue;
    const path = join(dir, name);
    try {
      if (now - (await stat(path)).mtimeMs > TEMP_MAX_AGE_MS) {
        await rm(path, { force: true });
        removed++;
      }
    } catch (err) {
      log.warn({ err, path }, 'could not clean an import temp file');
    }
  }
  return removed;
}

/** Cleans now and every hour; returns the stop function. */
export function scheduleTempCleanup(dir: string, log: Logger): () => void {
  const run = () =>
    cleanTempFiles(dir, log).catch((err) => log.error({ err }, 'import temp file cleanup failed'));
  void run();
  const timer = setInterval(run, 3600 * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
