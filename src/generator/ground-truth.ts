/**
 * The ground-truth side file: one JSON line per conversation saying which deal and account it belongs
 * to (or none) and whether it is internal, so linker quality can be measured against it.
 */
import { type FileHandle, open, readFile } from 'node:fs/promises';
import type { TruthRecord } from './world-model.ts';

export interface TruthWriter {
  write(records: readonly TruthRecord[]): Promise<void>;
  close(): Promise<void>;
}

const NO_TRUTH: TruthWriter = { write: async () => {}, close: async () => {} };

/** Truncates `path` and returns a writer appending to it; without a path, a writer that drops records. */
export async function openTruthWriter(path: string | undefined): Promise<TruthWriter> {
  if (!path) return NO_TRUTH;
  const file: FileHandle = await open(path, 'w');
  return {
    async write(records) {
      if (records.length === 0) return;
      let text = '';
      for (const r of records) text += `${JSON.stringify(r)}\n`;
      await file.write(text);
    },
    close: () => file.close(),
  };
}

/** Reads a truth file back (tests and linker evaluation; fine for the sizes those use). */
export async function readTruthFile(path: string): Promise<TruthRecord[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as TruthRecord);
}
