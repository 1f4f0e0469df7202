/**
 * CSV records from decoded text chunks, one record at a time (RFC 4180 with the leniency real exports
 * need): fields may be quoted with `"` and a quote inside doubled; a quote inside an unquoted field is
 * plain text; a closing quote followed by more text keeps both as text; records end at LF, CRLF or CR;
 * a line with no characters at all is an empty record (no fields), so a reader can count it as the row a
 * spreadsheet shows; records may have any number of fields. Only an unfinished
 * record is held between chunks, and one beyond `maxRecordChars` is an error, so a runaway quote cannot
 * swallow the file into memory. Written for the import's one streamed pass: fields are sliced out with
 * indexOf scans rather than built character by character.
 */

const QUOTE = 34;
const LF = 10;
const CR = 13;

export class CsvSyntaxError extends Error {}

/**
 * A field's text that does not keep its chunk alive. Fields are slices of a whole decoded chunk, and V8
 * keeps the chunk for as long as a slice of 13 or more characters lives; a value remembered across the
 * file (a memo key, a counted owner) is copied, or a few hundred of them would hold the file in memory.
 */
export function detachedField(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1);
}

export async function* csvRecords(
  chunks: AsyncIterable<string>,
  delimiter: string,
  maxRecordChars: number,
): AsyncGenerator<string[], void, undefined> {
  for await (const batch of csvRecordBatches(chunks, delimiter, maxRecordChars)) yield* batch;
}

// Records per batch. A batch's arrays all live until it is handled; with a hundred or more of them alive at
// a young collection, V8 may judge their allocation site long-lived (pretenuring) and allocate every later
// record in the old generation, which then fills with garbage. Two batches alive stay under that count.
const BATCH_RECORDS = 40;

/** The same records a few dozen at a time (never an empty batch): one await per batch, not per record. */
export async function* csvRecordBatches(
  chunks: AsyncIterable<string>,
  delimiter: string,
  maxRecordChars: number,
): AsyncGenerator<string[][], void, undefined> {
  const delim = delimiter.charCodeAt(0);
  let rest = '';
  let line = 1;
  for await (const chunk of chunks) {
    const text = rest === '' ? chunk : rest + chunk;
    let from = 0;
    for (;;) {
      const out: string[][] = [];
      const consumed = parseRecords(text, from, delim, false, out, line);
      line = consumed.line;
      from = consumed.end;
      if (out.length === 0) break;
      yield out;
      if (out.length < BATCH_RECORDS) break;
    }
    rest = text.slice(from);
    if (rest.length > maxRecordChars) {
      throw new CsvSyntaxError(
        `a record is longer than ${maxRecordChars} characters at line ${line} (an unclosed quote?)`,
      );
    }
  }
  let from = 0;
  while (from < rest.length) {
    const out: string[][] = [];
    const consumed = parseRecords(rest, from, delim, true, out, line);
    line = consumed.line;
    from = consumed.end;
    if (out.length > 0) yield out;
  }
}

/**
 * Parses up to BATCH_RECORDS whole records of `s` from `start` into `out`; returns where the next record
 * starts (the first unfinished one, or the end of `s` when `final` and every record fitted) and the line
 * number reached.
 */
function parseRecords(
  s: string,
  start: number,
  delim: number,
  final: boolean,
  out: string[][],
  startLine: number,
): { end: number; line: number } {
  const n = s.length;
  let p = start;
  let line = startLine;
  let done = start;
  outer: while (p < n) {
    if (out.length >= BATCH_RECORDS) return { end: done, line };
    const recordStart = p;
    const recordLine = line;
    // An empty line is a record with no fields.
    const first = s.charCodeAt(p);
    if (first === LF || first === CR) {
      if (first === CR && p + 1 >= n && !final) break;
      p += first === CR && s.charCodeAt(p + 1) === LF ? 2 : 1;
      line++;
      out.push([]);
      done = p;
      continue;
    }
    const fields: string[] = [];
    for (;;) {
      let value: string;
      if (s.charCodeAt(p) === QUOTE) {
        let from = p + 1;
        value = '';
        for (;;) {
          const q = s.indexOf('"', from);
          if (q < 0 || (q + 1 >= n && !final)) {
            if (!final) {
              line = recordLine;
              break outer;
            }
            if (q < 0) {
              throw new CsvSyntaxError(`a quoted field opened at line ${recordLine} is never closed`);
            }
          }
          value += s.slice(from, q);
          for (let i = from; i < q; i++) if (s.charCodeAt(i) === LF) line++;
          if (s.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            from = q + 2;
            continue;
          }
          p = q + 1;
          break;
        }
        const next = s.charCodeAt(p);
        if (p < n && next !== delim && next !== LF && next !== CR) {
          // Text after a closing quote: the quotes were part of the value after all.
          const end = fieldEnd(s, p, delim);
          value = `"${value}"${s.slice(p, end)}`;
          p = end;
        }
      } else {
        const end = fieldEnd(s, p, delim);
        value = s.slice(p, end);
        p = end;
      }
      fields.push(value);
      if (p >= n) {
        if (!final) {
          line = recordLine;
          p = recordStart;
          break outer;
        }
        out.push(fields);
        done = n;
        break outer;
      }
      const c = s.charCodeAt(p);
      if (c === delim) {
        p++;
        if (p >= n && !final) {
          line = recordLine;
          p = recordStart;
          break outer;
        }
        if (p >= n) {
          fields.push('');
          out.push(fields);
          done = n;
          break outer;
        }
        continue;
      }
      // LF, CR or CRLF ends the record; a CR at the chunk's end may be the first half of a CRLF.
      if (c === CR && p + 1 >= n && !final) {
        line = recordLine;
        p = recordStart;
        break outer;
      }
      p += c === CR && s.charCodeAt(p + 1) === LF ? 2 : 1;
      line++;
      out.push(fields);
      done = p;
      continue outer;
    }
  }
  return { end: final ? n : done, line };
}

/** The index of the delimiter, CR or LF ending an unquoted field that starts at `p` (or the end). */
function fieldEnd(s: string, p: number, delim: number): number {
  const n = s.length;
  let i = p;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === delim || c === LF || c === CR) return i;
    i++;
  }
  return n;
}
