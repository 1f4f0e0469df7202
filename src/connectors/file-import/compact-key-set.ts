/**
 * An exact set of strings for counting repeated dedup keys over a whole file in little memory: each key
 * is kept once as UTF-16 code units (exact for any JS string) in one growing arena, and an open-addressing table of typed arrays holds a
 * 32-bit hash and the key's arena offset. A hash match is always confirmed against the stored bytes, so
 * membership is exact (no false positives), while a million short keys cost tens of MB instead of the
 * hundreds a Set<string> of JS strings costs.
 */

const EMPTY = 0xffffffff;

export class CompactKeySet {
  private arena: Buffer;
  private used = 0;
  /** Per slot: [hash, arena offset]; offset EMPTY marks a free slot. */
  private slots: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialSlots = 1 << 16) {
    let capacity = 16;
    while (capacity < initialSlots) capacity *= 2;
    this.slots = new Uint32Array(capacity * 2).fill(EMPTY);
    this.mask = capacity - 1;
    this.arena = Buffer.allocUnsafe(1 << 16);
  }

  get size(): number {
    return this.count;
  }

  /** Adds `key`; true if it was not yet in the set. */
  add(key: string): boolean {
    const hash = hashString(key);
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
    const hash = hashString(key);
    let slot = hash & this.mask;
    for (;;) {
      const offset = this.slots[slot * 2 + 1]!;
      if (offset === EMPTY) return false;
      if (this.slots[slot * 2] === hash && this.keyAt(offset) === key) return true;
      slot = (slot + 1) & this.mask;
    }
  }

  private keyAt(offset: number): string {
    const length = this.arena.readUInt32LE(offset);
    return this.arena.toString('utf16le', offset + 4, offset + 4 + length);
  }

  private store(key: string): number {
    const worst = key.length * 2 + 4;
    if (this.used + worst > this.arena.length) {
      let size = this.arena.length * 2;
      while (this.used + worst > size) size *= 2;
      // Offsets are 32-bit and EMPTY is reserved: the arena stays below 4 GiB.
      if (size >= EMPTY) throw new Error('too many distinct keys to count');
      const bigger = Buffer.allocUnsafe(size);
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    const offset = this.used;
    const length = this.arena.write(key, offset + 4, 'utf16le');
    this.arena.writeUInt32LE(length, offset);
    this.used += 4 + length;
    return offset;
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

/** FNV-1a over UTF-16 code units with a final avalanche, so sequential ids spread over the table. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
