/**
 * A small streaming XML tag scanner for the parts of an .xlsx workbook: chunks go in, tag and text events
 * come out, and only an unfinished tail is held between chunks. It knows elements, attributes, text,
 * CDATA, comments and processing instructions, and nothing of DTDs: a declared entity is never expanded,
 * so no crafted document can multiply itself in memory. Namespace prefixes are dropped from names
 * (`x:row` is `row`), because workbooks written by some tools prefix every element.
 */

export interface XmlHandler {
  /** `attrs` is the raw attribute text; read it with `attr`. */
  open(name: string, attrs: string, selfClosing: boolean): void;
  close(name: string): void;
  /** Raw text between tags (entities still encoded; see `decodeXmlText`). Only called for non-empty text. */
  text(raw: string, cdata: boolean): void;
}

export class XmlScanner {
  private rest = '';

  constructor(private readonly handler: XmlHandler) {}

  feed(chunk: string): void {
    const s = this.rest === '' ? chunk : this.rest + chunk;
    const h = this.handler;
    let p = 0;
    for (;;) {
      const lt = s.indexOf('<', p);
      if (lt < 0) break;
      if (lt > p) h.text(s.slice(p, lt), false);
      p = lt;
      const c = s.charCodeAt(lt + 1);
      if (c === 33 /* ! */) {
        const end = this.specialEnd(s, lt);
        if (end < 0) break;
        if (s.startsWith('<![CDATA[', lt)) {
          const body = s.slice(lt + 9, end - 2);
          if (body !== '') h.text(body, true);
        }
        p = end + 1;
        continue;
      }
      const gt = tagEnd(s, lt);
      if (gt < 0) break;
      p = gt + 1;
      if (c === 63 /* ? */) continue;
      if (c === 47 /* / */) {
        h.close(localName(s.slice(lt + 2, gt).trim()));
        continue;
      }
      const selfClosing = s.charCodeAt(gt - 1) === 47;
      const inner = s.slice(lt + 1, selfClosing ? gt - 1 : gt);
      const space = inner.search(/\s/);
      const name = space < 0 ? inner : inner.slice(0, space);
      h.open(localName(name), space < 0 ? '' : inner.slice(space), selfClosing);
    }
    // Text with no tag after it yet may continue in the next chunk, so it waits with the unfinished tag.
    this.rest = s.slice(p);
    if (this.rest.length > MAX_PENDING) {
      throw new Error('the workbook has an implausibly long XML tag or text run');
    }
  }

  /** Everything fed has been consumed: a document cut short leaves an unfinished tag behind. */
  end(): void {
    if (this.rest.trim() !== '') throw new Error('the XML part ends in the middle of a tag');
  }

  private specialEnd(s: string, lt: number): number {
    if (s.startsWith('<!--', lt)) {
      const e = s.indexOf('-->', lt + 4);
      return e < 0 ? -1 : e + 2;
    }
    if (s.startsWith('<![CDATA[', lt)) {
      const e = s.indexOf(']]>', lt + 9);
      return e < 0 ? -1 : e + 2;
    }
    if (s.length - lt < 9) return -1;
    return tagEnd(s, lt);
  }
}

// One cell's text or one tag far beyond any real workbook's is a broken or hostile file.
const MAX_PENDING = 32 * 1024 * 1024;

/** The `>` closing the tag at `lt`, skipping any `>` inside a quoted attribute value. */
function tagEnd(s: string, lt: number): number {
  let from = lt;
  for (;;) {
    const gt = s.indexOf('>', from);
    if (gt < 0) return -1;
    let quote = 0;
    for (let i = lt; i < gt; i++) {
      const c = s.charCodeAt(i);
      if (quote === 0) {
        if (c === 34 || c === 39) quote = c;
      } else if (c === quote) quote = 0;
    }
    if (quote === 0) return gt;
    from = gt + 1;
  }
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** The value of attribute `name` (without prefix) in a raw attribute text, decoded; undefined if absent. */
export function attr(attrs: string, name: string): string | undefined {
  let from = 0;
  for (;;) {
    const at = attrs.indexOf(name, from);
    if (at < 0) return undefined;
    from = at + name.length;
    const before = attrs.charCodeAt(at - 1);
    // The name must start at a word boundary (after whitespace or a prefix colon) and be followed by `=`.
    if (at > 0 && before !== 58 && before !== 32 && before !== 9 && before !== 10 && before !== 13) continue;
    let eq = from;
    while (attrs.charCodeAt(eq) === 32) eq++;
    if (attrs.charCodeAt(eq) !== 61) continue;
    eq++;
    while (attrs.charCodeAt(eq) === 32) eq++;
    const quote = attrs[eq];
    if (quote !== '"' && quote !== "'") continue;
    const close = attrs.indexOf(quote, eq + 1);
    if (close < 0) return undefined;
    return decodeXmlText(attrs.slice(eq + 1, close));
  }
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The five predefined entities and numeric character references; anything else stays as written. */
export function decodeXmlText(raw: string): string {
  if (raw.indexOf('&') < 0) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (whole, ref: string) => {
    if (ref.charCodeAt(0) !== 35) return NAMED[ref] ?? whole;
    const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
