/**
 * The embedded database's answer to a pipeline, read straight from its bytes. PGlite's own parser copies
 * every field of every row into a buffer of its own before decoding it, which was the largest JavaScript
 * cost of a listing under load (a page of conversations without deals is some 1,500 fields). Here a
 * row's fields are decoded where they lie. An answer holding an error is handed to PGlite's parser, so
 * the error thrown is the DatabaseError PGlite's own query would throw.
 */
import { type PGlite, protocol } from '@electric-sql/pglite';

export type PgliteResults<Row> = Awaited<ReturnType<PGlite['query']>> & { rows: Row[] };
type Parsers = PGlite['parsers'];

export interface Answer {
  /** One result per statement executed (a CommandComplete), as PGlite's parseResults gives them. */
  results: PgliteResults<unknown>[];
  /** The parameters' type oids of each statement described, in order. */
  paramTypes: number[][];
}

// Backend message types (the first byte of each message).
const ROW_DESCRIPTION = 0x54; // T
const DATA_ROW = 0x44; // D
const COMMAND_COMPLETE = 0x43; // C
const PARAMETER_DESCRIPTION = 0x74; // t
const ERROR_RESPONSE = 0x45; // E

// Commands whose tag ends in the number of rows they changed.
const COUNTS_ROWS = new Set(['INSERT', 'UPDATE', 'DELETE', 'COPY', 'MERGE']);

/** The first error of an answer, as PGlite's parser builds it. */
function errorOf(data: Uint8Array): Error {
  let first: Error | undefined;
  new protocol.Parser().parse(data, (message) => {
    if (!first && message.name === 'error') first = message as unknown as Error;
  });
  return first ?? new Error('the embedded database answered with an error it could not describe');
}

/** Node's UTF-8 decoder, called directly: Buffer#toString checks its arguments again on every field. */
type Decoding = Buffer & { utf8Slice(start: number, end: number): string };

const int32 = (b: Uint8Array, at: number) =>
  (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
const int16 = (b: Uint8Array, at: number) => ((b[at]! << 24) >> 16) | b[at + 1]!;

interface Field {
  name: string;
  dataTypeID: number;
}

export function readAnswer(data: Uint8Array, parsers: Parsers): Answer {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength) as Decoding;
  const results: PgliteResults<unknown>[] = [];
  const paramTypes: number[][] = [];
  let fields: Field[] = [];
  let columnParsers: (((text: string, typeId: number) => unknown) | undefined)[] = [];
  let rows: Record<string, unknown>[] = [];
  let at = 0;
  while (at + 5 <= buf.length) {
    const type = buf[at]!;
    const end = at + 1 + int32(buf, at + 1);
    let pos = at + 5;
    switch (type) {
      case ROW_DESCRIPTION: {
        const count = buf.readInt16BE(pos);
        pos += 2;
        fields = [];
        for (let i = 0; i < count; i++) {
          const nul = buf.indexOf(0, pos);
          const name = buf.toString('utf8', pos, nul);
          // After the name: table oid (4), column number (2), type oid (4), size (2), modifier (4), format (2).
          fields.push({ name, dataTypeID: buf.readInt32BE(nul + 7) });
          pos = nul + 19;
        }
        columnParsers = fields.map((f) => parsers[f.dataTypeID]);
        break;
      }
      case DATA_ROW: {
        const count = int16(buf, pos);
        pos += 2;
        const row: Record<string, unknown> = {};
        for (let i = 0; i < count; i++) {
          const length = int32(buf, pos);
          pos += 4;
          const field = fields[i]!;
          if (length < 0) {
            row[field.name] = null;
            continue;
          }
          const text = buf.utf8Slice(pos, pos + length);
          pos += length;
          const parse = columnParsers[i];
          row[field.name] = parse ? parse(text, field.dataTypeID) : text;
        }
        rows.push(row);
        break;
      }
      case COMMAND_COMPLETE: {
        const tag = buf.toString('utf8', pos, end - 1).split(' ');
        const command = tag[0]!;
        const count = Number.parseInt(tag[tag.length - 1]!, 10);
        const result: PgliteResults<unknown> = {
          rows,
          fields,
          command,
          affectedRows: COUNTS_ROWS.has(command) ? count : 0,
        };
        if (!Number.isNaN(count)) result.rowCount = count;
        results.push(result);
        rows = [];
        fields = [];
        break;
      }
      case PARAMETER_DESCRIPTION: {
        const count = buf.readInt16BE(pos);
        const oids: number[] = [];
        for (let i = 0; i < count; i++) oids.push(buf.readInt32BE(pos + 2 + 4 * i));
        paramTypes.push(oids);
        break;
      }
      case ERROR_RESPONSE:
        throw errorOf(data);
      default:
        // Parse/Bind/Close complete, NoData, ReadyForQuery, notices: nothing a caller reads.
        break;
    }
    at = end;
  }
  if (results.length === 0) results.push({ rows: [], fields: [], affectedRows: 0 });
  return { results, paramTypes };
}
