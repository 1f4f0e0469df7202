/**
 * Zip bomb guard for .xlsx: reads the zip central directory (never the compressed data) and refuses
 * files whose declared uncompressed size, entry count or compression ratio is beyond the limits, before
 * anything else is inflated. Also lists the workbook's sheet names from xl/workbook.xml and hands the
 * directory on, so the reader finds each part without scanning the archive again.
 */
import { open } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { ValidationError } from '../../errors.ts';
import { XmlScanner, attr } from './xml-scanner.ts';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const MAX_ENTRIES = 10_000;
// Real spreadsheets compress 5–20×; 200× is far past any of them and typical of crafted zips.
const MAX_RATIO = 200;

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface XlsxInspection {
  sheets: string[];
  uncompressedBytes: number;
  entries: number;
  /** The zip directory: every part's name, sizes and offset. */
  parts: ZipEntry[];
  /** Each sheet's relationship id (same order as `sheets`), naming its part in xl/_rels/workbook.xml.rels. */
  sheetRelIds: string[];
  /** Serial dates count from 1904 instead of 1900 (old Mac workbooks). */
  date1904: boolean;
}

export async function inspectXlsx(path: string, maxUnzippedBytes: number): Promise<XlsxInspection> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const tailLength = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLength);
    await handle.read(tail, 0, tailLength, size - tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ValidationError('the file is not a valid .xlsx workbook (no zip directory)');
    const entryCount = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (entryCount === 0xffff || dirOffset === 0xffffffff) {
      throw new ValidationError('the workbook uses zip64, which is beyond the import size limit');
    }
    if (entryCount > MAX_ENTRIES)
      throw new ValidationError(`the workbook has too many parts (${entryCount})`);
    if (dirOffset + dirSize > size) throw new ValidationError('the file is not a valid .xlsx workbook');
    const dir = Buffer.alloc(dirSize);
    await handle.read(dir, 0, dirSize, dirOffset);
    const entries = readCentralDirectory(dir);
    let total = 0;
    let compressed = 0;
    for (const e of entries) {
      if (e.uncompressedSize === 0xffffffff) throw new ValidationError('the workbook is too large to import');
      total += e.uncompressedSize;
      compressed += e.compressedSize;
    }
    if (total > maxUnzippedBytes) {
      throw new ValidationError(
        `the workbook unpacks to ${total} bytes, beyond the import limit of ${maxUnzippedBytes} bytes`,
      );
    }
    if (total > 10 * 1024 * 1024 && total / Math.max(1, compressed) > MAX_RATIO) {
      throw new ValidationError('the workbook is compressed suspiciously well (a zip bomb?); refusing it');
    }
    const workbook = entries.find((e) => e.name === 'xl/workbook.xml');
    if (!workbook) throw new ValidationError('the file is a zip archive but not an .xlsx workbook');
    const xml = await readEntry(handle, workbook);
    return { ...readWorkbook(xml), uncompressedBytes: total, entries: entries.length, parts: entries };
  } finally {
    await handle.close();
  }
}

function readCentralDirectory(dir: Buffer): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let p = 0;
  while (p + 46 <= dir.length && dir.readUInt32LE(p) === CENTRAL_SIGNATURE) {
    const nameLength = dir.readUInt16LE(p + 28);
    const extraLength = dir.readUInt16LE(p + 30);
    const commentLength = dir.readUInt16LE(p + 32);
    entries.push({
      method: dir.readUInt16LE(p + 10),
      compressedSize: dir.readUInt32LE(p + 20),
      uncompressedSize: dir.readUInt32LE(p + 24),
      localHeaderOffset: dir.readUInt32LE(p + 42),
      name: dir.toString('utf8', p + 46, p + 46 + nameLength),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

async function readEntry(handle: Awaited<ReturnType<typeof open>>, e: ZipEntry): Promise<string> {
  if (e.uncompressedSize > 16 * 1024 * 1024)
    throw new ValidationError('xl/workbook.xml is implausibly large');
  const header = Buffer.alloc(30);
  await handle.read(header, 0, 30, e.localHeaderOffset);
  const start = e.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const data = Buffer.alloc(e.compressedSize);
  await handle.read(data, 0, e.compressedSize, start);
  try {
    const raw =
      e.method === 0 ? data : inflateRawSync(data, { maxOutputLength: Math.max(1024, e.uncompressedSize) });
    return raw.toString('utf8');
  } catch (err) {
    throw new ValidationError(`the workbook could not be read: ${(err as Error).message}`);
  }
}

function readWorkbook(xml: string): Pick<XlsxInspection, 'sheets' | 'sheetRelIds' | 'date1904'> {
  const book = { sheets: [] as string[], sheetRelIds: [] as string[], date1904: false };
  const scanner = new XmlScanner({
    open(name, attrs) {
      if (name === 'sheet') {
        book.sheets.push(attr(attrs, 'name') ?? `Sheet${book.sheets.length + 1}`);
        book.sheetRelIds.push(attr(attrs, 'id') ?? '');
      } else if (name === 'workbookPr') {
        const v = attr(attrs, 'date1904');
        book.date1904 = v === '1' || v === 'true';
      }
    },
    close() {},
    text() {},
  });
  try {
    scanner.feed(xml);
    scanner.end();
  } catch (err) {
    throw new ValidationError(`the workbook could not be read: ${(err as Error).message}`);
  }
  return book;
}
