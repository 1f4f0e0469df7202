/**
 * What an uploaded file is, decided from its first bytes and never from its name: an xlsx (a zip), or
 * text in some encoding with some delimiter. Rejects binary that is neither before anything parses it.
 */
import { open } from 'node:fs/promises';
import { ValidationError } from '../../errors.ts';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';
export type Delimiter = ',' | ';' | '\t' | '|';

export type SniffResult =
  | { format: 'xlsx' }
  | { format: 'csv'; encoding: TextEncoding; delimiter: Delimiter; bom: boolean };

const SAMPLE_BYTES = 64 * 1024;
const DELIMITERS: readonly Delimiter[] = [',', ';', '\t', '|'];

export async function sniffFile(path: string): Promise<SniffResult> {
  const handle = await open(path, 'r');
  let sample: Buffer;
  let size: number;
  try {
    size = (await handle.stat()).size;
    const buf = Buffer.alloc(Math.min(SAMPLE_BYTES, size));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    sample = buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (size === 0 || sample.length === 0) throw new ValidationError('the file is empty');
  if (sample.length >= 4 && sample.readUInt32LE(0) === 0x04034b50) return { format: 'xlsx' };
  const { encoding, bom } = detectEncoding(sample, size <= SAMPLE_BYTES);
  const text = new TextDecoder(encoding).decode(sample);
  if (looksBinary(text)) {
    throw new ValidationError('the file is not a CSV or Excel file (it contains binary data)');
  }
  if (text.trim() === '') throw new ValidationError('the file is empty');
  return { format: 'csv', encoding, delimiter: detectDelimiter(text), bom };
}

export function detectEncoding(sample: Buffer, complete: boolean): { encoding: TextEncoding; bom: boolean } {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf-8', bom: true };
  if (sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf-16le', bom: true };
  if (sample[0] === 0xfe && sample[1] === 0xff) return { encoding: 'utf-16be', bom: true };
  // A sample cut mid-character is still valid UTF-8 up to the cut: drop up to 3 trailing bytes.
  const probe = complete ? sample : sample.subarray(0, Math.max(0, sample.length - 3));
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(probe);
    return { encoding: 'utf-8', bom: false };
  } catch {
    // Bytes that are not UTF-8 are almost always an Excel "CSV" export in Windows-1252 / Latin-1.
    return { encoding: 'windows-1252', bom: false };
  }
}

function looksBinary(text: string): boolean {
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) control++;
  }
  return control > Math.max(2, text.length * 0.01);
}

/**
 * The delimiter that splits most of the first lines into the same (largest) number of fields, quotes
 * respected; a report's title lines above the table, which hold none, do not decide. Excel's hint line
 * ("sep=;") names it outright.
 */
export function detectDelimiter(text: string): Delimiter {
  const lines = splitLogicalLines(text, 30);
  const hint = /^sep=(.)$/i.exec(lines[0]?.trim() ?? '')?.[1];
  if (hint && (DELIMITERS as readonly string[]).includes(hint)) return hint as Delimiter;
  let best: Delimiter = ',';
  let bestScore = -1;
  for (const d of DELIMITERS) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    const width = commonestWidth(counts);
    if (width === 0) continue;
    const consistent = counts.filter((c) => c === width).length / counts.length;
    const score = consistent * 1000 + width;
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}

/** The non-zero count most lines share (the larger on a tie), 0 when every line has none. */
function commonestWidth(counts: readonly number[]): number {
  const seen = new Map<number, number>();
  for (const c of counts) if (c > 0) seen.set(c, (seen.get(c) ?? 0) + 1);
  let width = 0;
  let lines = 0;
  for (const [c, n] of seen) {
    if (n > lines || (n === lines && c > width)) {
      width = c;
      lines = n;
    }
  }
  return width;
}

function splitLogicalLines(text: string, max: number): string[] {
  const lines: string[] = [];
  let inQuotes = false;
  let start = 0;
  for (let i = 0; i < text.length && lines.length < max; i++) {
    const ch = text[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === '\n' && !inQuotes) {
      const line = text.slice(start, i).replace(/\r$/, '');
      if (line.trim() !== '') lines.push(line);
      start = i + 1;
    }
  }
  // The last line of a cut sample may be partial; use it only when it is all we have.
  if (lines.length === 0) lines.push(text.slice(start));
  return lines;
}

function countOutsideQuotes(line: string, d: string): number {
  let n = 0;
  let inQuotes = false;
  for (const ch of line) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === d && !inQuotes) n++;
  }
  return n;
}
