/**
 * A tiny .xlsx writer for test fixtures and benchmarks: enough of SpreadsheetML for the import reader
 * (shared or inline strings, numbers, booleans, dates as styled serials, formulas with a cached result,
 * sparse rows) inside a plain zip. Parts are deflated in 1 MB pieces as they are produced, so a
 * million-row sheet is written without holding it in memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { constants, crc32, deflateRawSync } from 'node:zlib';

export type FixtureCell =
  | string
  | number
  | boolean
  | Date
  | null
  | undefined
  | { formula: string; result?: string | number | boolean }
  /** A number with a style: 1 custom yyyy-mm-dd, 2 built-in date (numFmtId 14), 3 custom percentage. */
  | { value: number; style: 1 | 2 | 3 };

export interface FixtureSheet {
  name: string;
  rows: Iterable<FixtureCell[]>;
}

export interface FixtureOptions {
  /** Where strings go: the shared string table (what Excel writes) or inline in each cell. */
  strings?: 'shared' | 'inline';
  /** Leave out the `r` attributes of rows and cells (some generators do). */
  omitRefs?: boolean;
  /** Prefix every sheet element with `x:` (as the OpenXML SDK does). */
  prefixed?: boolean;
}

/** The workbook as one buffer. */
export function xlsxBuffer(sheets: FixtureSheet[], options: FixtureOptions = {}): Buffer {
  const out: Buffer[] = [];
  writeWorkbook((b) => out.push(b), sheets, options);
  return Buffer.concat(out);
}

/** The workbook written to `path` as it is produced. */
export function writeXlsxFile(path: string, sheets: FixtureSheet[], options: FixtureOptions = {}): void {
  const fd = openSync(path, 'w');
  try {
    writeWorkbook((b) => writeSync(fd, b), sheets, options);
  } finally {
    closeSync(fd);
  }
}

const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function columnName(index: number): string {
  let n = index + 1;
  let name = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    name = String.fromCharCode(65 + r) + name;
    n = Math.floor((n - 1) / 26);
  }
  return name;
}

function writeWorkbook(sink: (b: Buffer) => void, sheets: FixtureSheet[], options: FixtureOptions): void {
  const zip = new ZipWriter(sink);
  const shared = new Map<string, number>();
  const x = options.prefixed ? 'x:' : '';
  sheets.forEach((sheet, i) => {
    zip.add(`xl/worksheets/sheet${i + 1}.xml`, sheetXml(sheet.rows, shared, options, x));
  });
  const sheetEntries = sheets
    .map((s, i) => `<sheet name="${esc(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
    .join('');
  zip.add('[Content_Types].xml', [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/></Types>',
  ]);
  zip.add('xl/workbook.xml', [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
      `xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>${sheetEntries}</sheets></workbook>`,
  ]);
  const rels = sheets
    .map(
      (_, i) =>
        `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
    )
    .join('');
  zip.add('xl/_rels/workbook.xml.rels', [
    `<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels}</Relationships>`,
  ]);
  zip.add('xl/styles.xml', [
    '<?xml version="1.0" encoding="UTF-8"?>\n<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
      '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/><numFmt numFmtId="165" formatCode="0.0&quot;%&quot;"/></numFmts>' +
      '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>' +
      '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="165" applyNumberFormat="1"/></cellXfs>' +
      '</styleSheet>',
  ]);
  if (shared.size > 0) zip.add('xl/sharedStrings.xml', sharedStringsXml(shared));
  zip.finish();
}

function* sharedStringsXml(shared: Map<string, number>): Generator<string> {
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="${shared.size}">`;
  for (const s of shared.keys()) yield `<si><t xml:space="preserve">${esc(s)}</t></si>`;
  yield '</sst>';
}

function* sheetXml(
  rows: Iterable<FixtureCell[]>,
  shared: Map<string, number>,
  options: FixtureOptions,
  x: string,
): Generator<string> {
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<${x}worksheet xmlns${x ? ':x' : ''}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><${x}sheetData>`;
  let n = 0;
  for (const row of rows) {
    n++;
    let xml = options.omitRefs ? `<${x}row>` : `<${x}row r="${n}">`;
    row.forEach((cell, i) => {
      if (cell === null || cell === undefined) {
        // Without references, position is all there is: a blank cell must still be written.
        if (options.omitRefs) xml += `<${x}c/>`;
        return;
      }
      const ref = options.omitRefs ? '' : ` r="${columnName(i)}${n}"`;
      xml += cellXml(cell, ref, shared, options, x);
    });
    yield `${xml}</${x}row>`;
  }
  yield `</${x}sheetData></${x}worksheet>`;
}

function cellXml(
  cell: Exclude<FixtureCell, null | undefined>,
  ref: string,
  shared: Map<string, number>,
  options: FixtureOptions,
  x: string,
): string {
  const c = (attrs: string, body: string) => `<${x}c${ref}${attrs}>${body}</${x}c>`;
  const v = (text: string | number) => `<${x}v>${text}</${x}v>`;
  if (typeof cell === 'string') {
    if (options.strings === 'inline')
      return c(' t="inlineStr"', `<${x}is><${x}t>${esc(cell)}</${x}t></${x}is>`);
    let index = shared.get(cell);
    if (index === undefined) {
      index = shared.size;
      shared.set(cell, index);
    }
    return c(' t="s"', v(index));
  }
  if (typeof cell === 'number') return c('', v(cell));
  if (typeof cell === 'boolean') return c(' t="b"', v(cell ? 1 : 0));
  if (cell instanceof Date) return c(' s="1"', v(cell.getTime() / 86_400_000 + 25569));
  if ('formula' in cell) {
    const f = `<${x}f>${esc(cell.formula)}</${x}f>`;
    const r = cell.result;
    if (r === undefined) return c('', f);
    if (typeof r === 'string') return c(' t="str"', f + v(esc(r)));
    if (typeof r === 'boolean') return c(' t="b"', f + v(r ? 1 : 0));
    return c('', f + v(r));
  }
  return c(` s="${cell.style}"`, v(cell.value));
}

/** Deflated entries with data descriptors (sizes and CRC follow the data), then the central directory. */
class ZipWriter {
  private offset = 0;
  private central: Buffer[] = [];
  private count = 0;

  constructor(private readonly sink: (b: Buffer) => void) {}

  private put(b: Buffer): void {
    this.sink(b);
    this.offset += b.length;
  }

  add(name: string, pieces: Iterable<string>): void {
    const nameBytes = Buffer.from(name);
    const headerAt = this.offset;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0808, 6); // sizes in a data descriptor; UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(nameBytes.length, 26);
    this.put(local);
    this.put(nameBytes);
    let crc = 0;
    let size = 0;
    let compressed = 0;
    let pending: string[] = [];
    let pendingLength = 0;
    // Each piece is its own sync-flushed run of deflate blocks; together with the final empty block
    // they form one valid stream.
    const flush = () => {
      const raw = Buffer.from(pending.join(''));
      pending = [];
      pendingLength = 0;
      crc = crc32(raw, crc);
      size += raw.length;
      const out = deflateRawSync(raw, { finishFlush: constants.Z_SYNC_FLUSH });
      compressed += out.length;
      this.put(out);
    };
    for (const piece of pieces) {
      pending.push(piece);
      pendingLength += piece.length;
      if (pendingLength >= 1 << 20) flush();
    }
    if (pendingLength > 0) flush();
    const last = deflateRawSync(Buffer.alloc(0));
    compressed += last.length;
    this.put(last);
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc >>> 0, 4);
    descriptor.writeUInt32LE(compressed, 8);
    descriptor.writeUInt32LE(size, 12);
    this.put(descriptor);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(0x0808, 8);
    dir.writeUInt16LE(8, 10);
    dir.writeUInt32LE(crc >>> 0, 16);
    dir.writeUInt32LE(compressed, 20);
    dir.writeUInt32LE(size, 24);
    dir.writeUInt16LE(nameBytes.length, 28);
    dir.writeUInt32LE(headerAt, 42);
    this.central.push(dir, nameBytes);
    this.count++;
  }

  finish(): void {
    const dirAt = this.offset;
    for (const b of this.central) this.put(b);
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(this.count, 8);
    eocd.writeUInt16LE(this.count, 10);
    eocd.writeUInt32LE(this.offset - dirAt, 12);
    eocd.writeUInt32LE(dirAt, 16);
    this.put(eocd);
  }
}
