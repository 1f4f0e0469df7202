/**
 * Streams an uploaded file as a header plus rows of cells, CSV or xlsx alike, holding one row at a time:
 * our own CSV record splitter over the decoded file, the sheet XML inflated and scanned as it streams for workbooks. Structural problems
 * of the whole file (empty, header only, duplicate headers, too many columns) are 400s; a malformed row is
 * yielded with an error and the rest of the file goes on.
 */
import { open } from 'node:fs/promises';
import { ValidationError } from '../../errors.ts';
import { csvRecordBatches } from './csv-records.ts';
import { type SniffResult, sniffFile } from './file-sniffing.ts';
import { readSheetRows, type SheetRow } from './xlsx-reader.ts';
import { inspectXlsx } from './zip-guard.ts';

export type Cell = string | number | boolean | Date | null;

export interface RawRow {
  /** Spreadsheet row number (the header is row 1). */
  row: number;
  cells: Cell[];
  /** Cells whose content was a formula (never evaluated). */
  formulas?: number[];
  error?: string;
}

export interface TableInfo {
  format: 'csv' | 'xlsx';
  encoding?: string;
  delimiter?: string;
  sheets: string[];
  sheet: string | null;
  headers: string[];
}

export interface OpenedTable extends TableInfo {
  rows: AsyncGenerator<RawRow, void, undefined>;
  /**
   * The rows not yet read, a batch at a time (null at the end): one await per batch instead of per row.
   * Mixes with `rows`: a batch starts where `rows` stopped.
   */
  nextBatch(): Promise<RawRow[] | null>;
  close(): Promise<void>;
}

export interface TableLimits {
  maxColumns: number;
  maxUnzippedBytes: number;
}

// One CSV record may not exceed this: a runaway quote must not swallow the whole file into memory.
const MAX_RECORD_CHARS = 4 * 1024 * 1024;

export async function openTable(
  path: string,
  limits: TableLimits,
  sheet?: string | null,
): Promise<OpenedTable> {
  const sniff = await sniffFile(path);
  return sniff.format === 'xlsx' ? openXlsx(path, limits, sheet ?? null) : openCsv(path, limits, sniff);
}

// Small enough that a chunk's string (two bytes a character for text beyond Latin-1) stays under V8's
// large-object size (128 KB): larger ones go straight to the old generation and pile up there as garbage
// until a full collection, a few hundred MB over a 100 MB file; these die young and cheaply.
const READ_BYTES = 32 * 1024;

/**
 * The file as text chunks; TextDecoder also drops a byte order mark. One read buffer serves the whole
 * file: the decoder copies each chunk into a string, and a fresh buffer per chunk would leave the file's
 * size in garbage outside the JS heap until the next full collection.
 */
async function* decodedChunks(path: string, encoding: string): AsyncGenerator<string> {
  const file = await open(path, 'r');
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  const decoder = new TextDecoder(encoding);
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const text = decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
      if (text !== '') yield text;
    }
    const tail = decoder.decode();
    if (tail !== '') yield tail;
  } finally {
    await file.close();
  }
}

async function openCsv(
  path: string,
  limits: TableLimits,
  sniff: Extract<SniffResult, { format: 'csv' }>,
): Promise<OpenedTable> {
  const iterator = csvRecordBatches(decodedChunks(path, sniff.encoding), sniff.delimiter, MAX_RECORD_CHARS);
  const close = async () => {
    await iterator.return(undefined);
  };
  let first: IteratorResult<string[][]>;
  try {
    first = await iterator.next();
  } catch (err) {
    await close();
    throw new ValidationError(`the file could not be read as CSV: ${(err as Error).message}`);
  }
  if (first.done) {
    await close();
    throw new ValidationError('the file is empty');
  }
  const headers = checkHeaders(first.value[0]!, limits);
  async function* batches(): AsyncGenerator<RawRow[]> {
    let n = 1;
    let records = first.value!.slice(1);
    try {
      for (;;) {
        if (records.length > 0) {
          const rows = new Array<RawRow>(records.length);
          for (let i = 0; i < records.length; i++) rows[i] = shapeRow(++n, records[i]!, headers.length);
          yield rows;
        }
        let next: IteratorResult<string[][]>;
        try {
          next = await iterator.next();
        } catch (err) {
          yield [{ row: n + 1, cells: [], error: `unreadable CSV from here on: ${(err as Error).message}` }];
          return;
        }
        if (next.done) return;
        records = next.value;
      }
    } finally {
      await close();
    }
  }
  return {
    format: 'csv',
    encoding: sniff.encoding,
    delimiter: sniff.delimiter,
    sheets: [],
    sheet: null,
    headers,
    ...readRows(batches()),
    close,
  };
}

/** `rows` and `nextBatch` over one stream of batches, holding the rest of the batch `rows` is in. */
function readRows(batches: AsyncGenerator<RawRow[]>): Pick<OpenedTable, 'rows' | 'nextBatch'> {
  let held: RawRow[] = [];
  let at = 0;
  const nextBatch = async (): Promise<RawRow[] | null> => {
    if (at < held.length) {
      const rest = held.slice(at);
      held = [];
      at = 0;
      return rest;
    }
    const next = await batches.next();
    return next.done ? null : next.value;
  };
  async function* rows(): AsyncGenerator<RawRow> {
    try {
      for (;;) {
        if (at < held.length) {
          yield held[at++]!;
          continue;
        }
        const batch = await nextBatch();
        if (batch === null) return;
        held = batch;
        at = 0;
      }
    } finally {
      await batches.return(undefined);
    }
  }
  return { rows: rows(), nextBatch };
}

/**
 * A row fitted to the header's width. `padShort`: a spreadsheet stores no cell for a blank one, so a row
 * whose trailing cells are blank simply ends early; those are empty values, never a malformed row.
 */
function shapeRow(n: number, values: Cell[], width: number, padShort = false): RawRow {
  if (values.length === width) return { row: n, cells: values };
  if (padShort && values.length < width) {
    const cells = values.slice();
    while (cells.length < width) cells.push(null);
    return { row: n, cells };
  }
  // Trailing empty cells are what many tools write; only real extra or missing values are errors.
  let end = values.length;
  while (end > width && (values[end - 1] === '' || values[end - 1] === null)) end--;
  if (end === width) return { row: n, cells: values.slice(0, width) };
  return {
    row: n,
    cells: values,
    error: `row has ${values.length} fields but the header has ${width}`,
  };
}

export function checkHeaders(raw: Cell[], limits: TableLimits): string[] {
  if (raw.length > limits.maxColumns) {
    throw new ValidationError(
      `the file has ${raw.length} columns; at most ${limits.maxColumns} are supported`,
    );
  }
  const headers = raw.map((h, i) => {
    const text =
      h === null || h === undefined
        ? ''
        : String(h)
            .replace(/^\uFEFF/, '')
            .trim();
    return text === '' ? `column_${i + 1}` : text.slice(0, 200);
  });
  const seen = new Map<string, number>();
  for (const h of headers) seen.set(h.toLowerCase(), (seen.get(h.toLowerCase()) ?? 0) + 1);
  const duplicates = [...seen.entries()].filter(([, c]) => c > 1).map(([h]) => h);
  if (duplicates.length > 0) {
    throw new ValidationError(
      `duplicate column headers: ${duplicates.join(', ')}; rename them and upload again`,
    );
  }
  return headers;
}

async function openXlsx(path: string, limits: TableLimits, wanted: string | null): Promise<OpenedTable> {
  const inspected = await inspectXlsx(path, limits.maxUnzippedBytes);
  if (wanted !== null && !inspected.sheets.includes(wanted)) {
    throw new ValidationError(
      `the workbook has no sheet "${wanted}" (sheets: ${inspected.sheets.join(', ')})`,
    );
  }
  const target = wanted ?? inspected.sheets[0] ?? null;
  if (target === null) throw new ValidationError('the workbook has no sheets');
  const iterator = readSheetRows(path, inspected, target);
  let first: IteratorResult<SheetRow>;
  try {
    first = await iterator.next();
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError(`the workbook could not be read: ${(err as Error).message}`);
  }
  if (first.done) throw new ValidationError(`the sheet "${target ?? ''}" is empty`);
  const headers = checkHeaders(first.value.cells, limits);
  // A sheet's rows come one at a time from the XML scanner: each is a batch of one.
  async function* batches(): AsyncGenerator<RawRow[]> {
    for (;;) {
      let next: IteratorResult<SheetRow>;
      try {
        next = await iterator.next();
      } catch (err) {
        yield [{ row: 0, cells: [], error: `unreadable workbook from here on: ${(err as Error).message}` }];
        return;
      }
      if (next.done) return;
      const r = next.value;
      if (r.cells.every((c) => c === null || c === '')) continue;
      const shaped = shapeRow(r.row, r.cells, headers.length, true);
      yield [r.formulas ? { ...shaped, formulas: r.formulas } : shaped];
    }
  }
  return {
    format: 'xlsx',
    sheets: inspected.sheets,
    sheet: target,
    headers,
    ...readRows(batches()),
    close: async () => {
      await iterator.return(undefined);
    },
  };
}
