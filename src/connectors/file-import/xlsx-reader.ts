/**
 * Streams one worksheet of an .xlsx workbook as rows of plain cell values, holding one row at a time:
 * the sheet part is inflated straight from the file (node:zlib) and scanned tag by tag. Shared strings
 * and the cell styles that mark dates are read first, since cells refer to them by index. The zip
 * directory comes from the zip-bomb guard, which has already checked every declared size; while
 * inflating, a part that grows past its declared size is refused, so a directory that lies gains nothing.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInflateRaw } from 'node:zlib';
import { ValidationError } from '../../errors.ts';
import { attr, decodeXmlText, XmlScanner } from './xml-scanner.ts';
import type { XlsxInspection, ZipEntry } from './zip-guard.ts';

export type XlsxCell = string | number | boolean | Date | null;

export interface SheetRow {
  /** Spreadsheet row number (1-based). */
  row: number;
  cells: XlsxCell[];
  /** Cells (0-based column) whose content was a formula; its cached result is the value, never re-run. */
  formulas?: number[];
}

/** Rows of the named sheet of an inspected workbook. Errors are thrown as the rows are pulled. */
export async function* readSheetRows(
  path: string,
  book: XlsxInspection,
  sheet: string,
): AsyncGenerator<SheetRow, void, undefined> {
  const index = book.sheets.indexOf(sheet);
  if (index < 0) throw new ValidationError(`the workbook has no sheet "${sheet}"`);
  const part = findPart(book.parts, await sheetPartName(path, book, index));
  if (!part) throw new ValidationError(`the part of sheet "${sheet}" is missing from the workbook`);
  const strings = await readSharedStrings(path, book.parts);
  const dateStyles = await readDateStyles(path, book.parts);
  const rows = new SheetRows(strings, dateStyles, book.date1904);
  const scanner = new XmlScanner(rows);
  for await (const chunk of entryText(path, part)) {
    scanner.feed(chunk);
    for (const r of rows.take()) yield r;
  }
  scanner.end();
  for (const r of rows.take()) yield r;
}

/** Collects finished rows from sheet XML events (`row` > `c` > `v` | `f` | `is` > `t`). */
class SheetRows {
  private done: SheetRow[] = [];
  private rowNumber = 0;
  private cells: XlsxCell[] = [];
  private formulas: number[] = [];
  private col = -1;
  private type = '';
  private style = 0;
  private hasFormula = false;
  private formulaText = '';
  private value = '';
  private hasValue = false;
  /** Which element's text is being gathered: 0 none, 1 `v`, 2 `t` of an inline string, 3 `f`. */
  private collecting = 0;
  private inInline = false;
  private inPhonetic = false;

  constructor(
    private readonly strings: string[],
    private readonly dateStyles: Set<number>,
    private readonly date1904: boolean,
  ) {}

  take(): SheetRow[] {
    const out = this.done;
    this.done = [];
    return out;
  }

  open(name: string, attrs: string, selfClosing: boolean): void {
    switch (name) {
      case 'row': {
        const r = attr(attrs, 'r');
        this.rowNumber = r ? Number(r) : this.rowNumber + 1;
        this.cells = [];
        this.formulas = [];
        this.col = -1;
        if (selfClosing) this.close('row');
        return;
      }
      case 'c': {
        const ref = attr(attrs, 'r');
        this.col = ref ? columnIndex(ref) : this.col + 1;
        this.type = attr(attrs, 't') ?? 'n';
        const s = attr(attrs, 's');
        this.style = s ? Number(s) : 0;
        this.hasFormula = false;
        this.formulaText = '';
        this.value = '';
        this.hasValue = false;
        if (selfClosing) this.close('c');
        return;
      }
      case 'v':
        this.hasValue = true;
        if (!selfClosing) this.collecting = 1;
        return;
      case 'f':
        this.hasFormula = true;
        if (!selfClosing) this.collecting = 3;
        return;
      case 'is':
        this.inInline = true;
        this.hasValue = true;
        return;
      case 'rPh':
        this.inPhonetic = true;
        return;
      case 't':
        if (this.inInline && !this.inPhonetic && !selfClosing) this.collecting = 2;
        return;
    }
  }

  close(name: string): void {
    switch (name) {
      case 'v':
      case 't':
      case 'f':
        this.collecting = 0;
        return;
      case 'is':
        this.inInline = false;
        return;
      case 'rPh':
        this.inPhonetic = false;
        return;
      case 'c': {
        const value = this.cellValue();
        if (value !== null || this.col < this.cells.length) this.cells[this.col] = value;
        if (this.hasFormula) this.formulas.push(this.col);
        return;
      }
      case 'row': {
        const cells = this.cells;
        // Columns a row skips are absent cells: blank values, not holes.
        for (let i = 0; i < cells.length; i++) if (cells[i] === undefined) cells[i] = null;
        this.done.push(
          this.formulas.length > 0
            ? { row: this.rowNumber, cells, formulas: this.formulas }
            : { row: this.rowNumber, cells },
        );
        this.cells = [];
        this.formulas = [];
        return;
      }
    }
  }

  text(raw: string, cdata: boolean): void {
    if (this.collecting === 0) return;
    const decoded = cdata ? raw : decodeXmlText(raw);
    if (this.collecting === 3) this.formulaText += decoded;
    else this.value += decoded;
  }

  private cellValue(): XlsxCell {
    if (!this.hasValue || (this.value === '' && this.type !== 'inlineStr' && this.type !== 'str')) {
      // A formula with no cached result shows as its text; it is flagged and never evaluated.
      return this.hasFormula ? `=${this.formulaText}` : null;
    }
    const v = this.value;
    switch (this.type) {
      case 's':
        return this.strings[Number(v)] ?? null;
      case 'inlineStr':
      case 'str':
        return v;
      case 'b':
        return v === '1' || v === 'true';
      case 'e':
        return null;
      case 'd': {
        const d = new Date(v);
        return Number.isNaN(d.getTime()) ? v : d;
      }
      default: {
        const n = Number(v);
        if (!Number.isFinite(n)) return v;
        return this.dateStyles.has(this.style) ? serialDate(n, this.date1904) : n;
      }
    }
  }
}

/** `AB12` → 27 (0-based column). */
function columnIndex(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c >= 65 && c <= 90) n = n * 26 + (c - 64);
    else if (c >= 97 && c <= 122) n = n * 26 + (c - 96);
    else break;
  }
  return n - 1;
}

const DAY_MS = 86_400_000;
// Serial 25569 is 1970-01-01 in the 1900 system (which counts Excel's fictitious 1900-02-29, so every
// date from March 1900 on lands right); the 1904 system starts 1462 days later.
function serialDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * DAY_MS));
}

/** Built-in number formats that show a date or time (ECMA-376 18.8.30 and the East Asian variants). */
const BUILT_IN_DATE_FORMATS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54,
  55, 56, 57, 58,
]);

/** A custom format is a date when, with literal text and [colour]/[$locale] sections removed, it has a date part. */
export function isDateFormat(code: string): boolean {
  const bare = code
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\]]*\]/gi, '');
  return /[dmyhs]/i.test(bare.split(';')[0] ?? '');
}

/** Indexes of the cell styles (`cellXfs`) whose number format is a date. */
async function readDateStyles(path: string, parts: ZipEntry[]): Promise<Set<number>> {
  const styles = new Set<number>();
  const part = findPart(parts, 'xl/styles.xml');
  if (!part) return styles;
  const custom = new Map<number, boolean>();
  let inCellXfs = false;
  let xf = 0;
  const scanner = new XmlScanner({
    open(name, attrs) {
      if (name === 'numFmt') {
        custom.set(Number(attr(attrs, 'numFmtId')), isDateFormat(attr(attrs, 'formatCode') ?? ''));
      } else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) {
        const id = Number(attr(attrs, 'numFmtId') ?? 0);
        if (custom.get(id) ?? BUILT_IN_DATE_FORMATS.has(id)) styles.add(xf);
        xf++;
      }
    },
    close(name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
    text() {},
  });
  for await (const chunk of entryText(path, part)) scanner.feed(chunk);
  scanner.end();
  return styles;
}

/** The shared string table; rich text runs are joined, phonetic guides (`rPh`) left out. */
async function readSharedStrings(path: string, parts: ZipEntry[]): Promise<string[]> {
  const strings: string[] = [];
  const part = findPart(parts, 'xl/sharedStrings.xml');
  if (!part) return strings;
  let current = '';
  let inText = false;
  let inPhonetic = false;
  const scanner = new XmlScanner({
    open(name, _attrs, selfClosing) {
      if (name === 'si') current = '';
      else if (name === 't') inText = !inPhonetic && !selfClosing;
      else if (name === 'rPh') inPhonetic = true;
      if (name === 'si' && selfClosing) strings.push('');
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') inPhonetic = false;
      else if (name === 'si') strings.push(current);
    },
    text(raw, cdata) {
      if (inText) current += cdata ? raw : decodeXmlText(raw);
    },
  });
  for await (const chunk of entryText(path, part)) scanner.feed(chunk);
  scanner.end();
  return strings;
}

/** The sheet's part name from the workbook relationships (`worksheets/sheet1.xml` → `xl/worksheets/sheet1.xml`). */
async function sheetPartName(path: string, book: XlsxInspection, index: number): Promise<string> {
  const relId = book.sheetRelIds[index] ?? '';
  const rels = findPart(book.parts, 'xl/_rels/workbook.xml.rels');
  let target: string | undefined;
  if (rels && relId !== '') {
    const scanner = new XmlScanner({
      open(name, attrs) {
        if (name === 'Relationship' && attr(attrs, 'Id') === relId) target = attr(attrs, 'Target');
      },
      close() {},
      text() {},
    });
    for await (const chunk of entryText(path, rels)) scanner.feed(chunk);
  }
  // Without relationships, the conventional part name is the only guess left.
  if (target === undefined) return `xl/worksheets/sheet${index + 1}.xml`;
  return target.startsWith('/') ? target.slice(1) : normalise(`xl/${target}`);
}

function normalise(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '..') out.pop();
    else if (seg !== '.' && seg !== '') out.push(seg);
  }
  return out.join('/');
}

function findPart(parts: ZipEntry[], name: string): ZipEntry | undefined {
  const lower = name.toLowerCase();
  return parts.find((p) => p.name === name) ?? parts.find((p) => p.name.toLowerCase() === lower);
}

/** One zip part as UTF-8 text chunks, inflated as it streams from the file. */
async function* entryText(path: string, entry: ZipEntry): AsyncGenerator<string> {
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ValidationError(`the workbook part ${entry.name} uses an unsupported compression method`);
  }
  const start = await dataStart(path, entry);
  if (entry.compressedSize === 0) return;
  const raw = createReadStream(path, {
    start,
    end: start + entry.compressedSize - 1,
    highWaterMark: 256 * 1024,
  });
  const source = entry.method === 8 ? raw.pipe(createInflateRaw({ chunkSize: 256 * 1024 })) : raw;
  raw.on('error', (err) => source.destroy(err));
  const decoder = new TextDecoder('utf-8');
  let bytes = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > entry.uncompressedSize) {
        throw new ValidationError(
          `the workbook part ${entry.name} is larger than its zip directory declares`,
        );
      }
      const text = decoder.decode(chunk, { stream: true });
      if (text !== '') yield text;
    }
  } finally {
    raw.destroy();
    source.destroy();
  }
  const tail = decoder.decode();
  if (tail !== '') yield tail;
}

/** Where an entry's data begins: after its local header, whose name and extra field lengths vary. */
async function dataStart(path: string, entry: ZipEntry): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(30);
    const { bytesRead } = await handle.read(header, 0, 30, entry.localHeaderOffset);
    if (bytesRead < 30 || header.readUInt32LE(0) !== 0x04034b50) {
      throw new ValidationError(`the workbook part ${entry.name} is damaged (no local header)`);
    }
    return entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  } finally {
    await handle.close();
  }
}
