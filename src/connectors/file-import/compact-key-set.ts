/**
 * An exact set of strings for counting repeated dedup keys over a whole file in little memory: each key
 * is kept once in an arena of fixed-size chunks, as Latin-1 bytes when every character fits in one (ids,
 * emails, most names) and as UTF-16 code units otherwise (exact for any JS string), and an
 * open-addressing table of typed arrays holds a 32-bit hash and the key's arena offset. A hash match is
 * always confirmed against the stored bytes, so membership is exact (no false positives), while a million
 * short keys cost tens of MB instead of the hundreds a Set<string> of JS strings costs. The arena grows a
 * chunk at a time, so growing never copies it or leaves the old one behind as garbage.
 */

const EMPTY = 0xffffffff;
// Offsets are chunk index × CHUNK_BYTES + position; a key longer than a chunk gets a chunk of its own.
const CHUNK_BYTES = 1 << 20;
const MAX_CHUNKS = Math.floor(EMPTY / CHUNK_BYTES);
// The top bit of a stored length marks a UTF-16 key.
const WIDE = 0x80000000;

export class CompactKeySet {
  private chunks: Buffer[] = [];
  /** Bytes used in the last chunk. */
  private used = 0;
  /** Per slot: [hash, arena offset]; offset EMPTY marks a free slot. */
  private slots: Uint32Array;
  private mask: number;
  private count = 0;
  /** Set by hashString: whether the last hashed key has a character beyond Latin-1. */
  private wide = false;

  constructor(initialSlots = 1 << 16) {
    let capacity = 16;
    while (capacity < initialSlots) capacity *= 2;
    this.slots = new Uint32Array(capacity * 2).fill(EMPTY);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds `key`; true if it was not yet in the set. */
  add(key: string): boolean {
    const hash = this.hash(key);
    let slot = hash & this.mask;
    for (;;) {
      const offset = this.slots[slot * 2 + 1]!;
      if (offset === EMPTY) break;
      if (this.slots[slot * 2] === hash && this.keyAt(offset) === key) return false;
      slot = (slot + 1) & this.mask;
    }
    this.slots[slot * 2] = hash;
    this.slots[slot * 2 + 1] = this.store(key);
    this.count++;
    // Keep probes short: at most half the slots in use.
    if (this.count * 2 > this.mask + 1) this.grow();
    return true;
  }

  has(key: string): boolean {
    const hash = this.hash(key);
    let slot = hash & this.mask;
    for (;;) {
      const offset = this.slots[slot * 2 + 1]!;
      if (offset === EMPTY) return false;
      if (this.slots[slot * 2] === hash && this.keyAt(offset) === key) return true;
      slot = (slot + 1) & this.mask;
    }
  }

  private keyAt(offset: number): string {
    const chunk = this.chunks[Math.floor(offset / CHUNK_BYTES)]!;
    const at = offset % CHUNK_BYTES;
    const header = chunk.readUInt32LE(at);
    const length = header & ~WIDE;
    return chunk.toString(header & WIDE ? 'utf16le' : 'latin1', at + 4, at + 4 + length);
  }

  private store(key: string): number {
    const wide = this.wide;
    const bytes = 4 + key.length * (wide ? 2 : 1);
    let chunk = this.chunks.at(-1);
    if (chunk === undefined || this.used + bytes > chunk.length) {
      if (this.chunks.length >= MAX_CHUNKS) throw new Error('too many distinct keys to count');
      chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
      this.chunks.push(chunk);
      this.used = 0;
    }
    const at = this.used;
    const length = chunk.write(key, at + 4, wide ? 'utf16le' : 'latin1');
    chunk.writeUInt32LE((length | (wide ? WIDE : 0)) >>> 0, at);
    this.used += 4 + length;
    return (this.chunks.length - 1) * CHUNK_BYTES + at;
  }

  /** FNV-1a over UTF-16 code units with a final avalanche, so sequential ids spread over the table. */
  private hash(s: string): number {
    let h = 0x811c9dc5;
    let widest = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      widest |= c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    this.wide = widest > 0xff;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }

  private grow(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    this.slots = new Uint32Array(capacity * 2).fill(EMPTY);
    this.mask = capacity - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] === EMPTY) continue;
      let slot = old[i]! & this.mask;
      while (this.slots[slot * 2 + 1] !== EMPTY) slot = (slot + 1) & this.mask;
      this.slots[slot * 2] = old[i]!;
      this.slots[slot * 2 + 1] = old[i + 1]!;
    }
  }
}
