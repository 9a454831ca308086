import { closeSync, fsync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, fstatSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Read and write size of a compaction. */
const COMPACTION_CHUNK = 8 * 1024 * 1024;

/** Where an evicted key's state lies in a spill file: [key, byte position, byte length, partition]. */
export type EvictedEntry = [key: string, pos: number, bytes: number, partition: string];

/** What a checkpoint records of the spill file: its durable length and the live entries. */
export interface EvictedKeysSnapshot {
  /** File name of the spill file (in the instance folder). */
  readonly file?: string;
  readonly bytes: number;
  readonly entries: EvictedEntry[];
}

/**
 * The state of keys evicted from memory (LRU), on disk: an append-only spill file and an in-memory index
 * key → (position, length, partition). Appends and reads are synchronous (a few hundred bytes each, from the
 * page cache), so eviction can happen inline between two records. A checkpoint records the file's length and
 * the index ({@link snapshot}); on restore the file is cut back to that length, so entries appended after the
 * checkpoint are dropped together with the rest of the uncheckpointed state. Space of taken entries is not
 * reclaimed until the file is recreated (a fresh start); see the README's memory budget.
 */
export class EvictedKeyStore {
  private fd: number;
  private length: number;
  /** Bytes of entries still indexed (the rest of the file is space of taken or replaced entries). */
  private live = 0;
  private readonly index = new Map<string, { pos: number; bytes: number; partition: string }>();
  /** Reused for reads, so that bringing keys back allocates nothing outside the JS heap. */
  private scratch = Buffer.allocUnsafe(4096);

  /** Opens (creating folders and file) the spill file at `path`, cut back to `truncateTo` bytes (default 0). */
  constructor(public path: string, truncateTo = 0) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a+');
    const size = fstatSync(this.fd).size;
    if (truncateTo > size) throw new Error(`spill file ${path} has ${size} bytes, the checkpoint expects ${truncateTo}: it was replaced or cut`);
    ftruncateSync(this.fd, truncateTo);
    this.length = truncateTo;
  }

  /** Evicted keys held. */
  get size(): number {
    return this.index.size;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  /** Stores a key's state (replacing any older one). */
  put(key: string, partition: string, data: Buffer): void {
    const pos = this.length;
    let written = 0;
    while (written < data.length) written += writeSync(this.fd, data, written, data.length - written, pos + written);
    this.length += data.length;
    const old = this.index.get(key);
    if (old) this.live -= old.bytes;
    this.live += data.length;
    this.index.set(key, { pos, bytes: data.length, partition });
  }

  /** Bytes in the file. */
  get bytes(): number {
    return this.length;
  }

  /** Bytes of the file that hold no live entry. */
  get wasted(): number {
    return this.length - this.live;
  }

  /**
   * Copies the live entries into a new file at `path` and continues there (the old file is left for the
   * checkpoints that still refer to it; the caller removes it when none does).
   */
  compactInto(path: string): void {
    const fd = openSync(path, 'w+');
    // Live entries in file order, read and written through 8 MB windows: a few hundred system calls for a
    // file of a million entries instead of two per entry (this runs on the event loop).
    const live = [...this.index].sort((a, b) => a[1].pos - b[1].pos);
    const window = Buffer.allocUnsafe(COMPACTION_CHUNK);
    let windowStart = 0;
    let windowLength = 0;
    const out = Buffer.allocUnsafe(COMPACTION_CHUNK);
    let outLength = 0;
    let flushed = 0;
    const flush = (): void => {
      let w = 0;
      while (w < outLength) w += writeSync(fd, out, w, outLength - w, flushed + w);
      flushed += outLength;
      outLength = 0;
    };
    const moved = new Map<string, { pos: number; bytes: number; partition: string }>();
    for (const [key, e] of live) {
      if (e.bytes > COMPACTION_CHUNK) {
        flush();
        const data = this.readAt(this.fd, e.pos, e.bytes, this.path);
        let w = 0;
        while (w < data.length) w += writeSync(fd, data, w, data.length - w, flushed + w);
        moved.set(key, { pos: flushed, bytes: e.bytes, partition: e.partition });
        flushed += data.length;
        continue;
      }
      if (e.pos < windowStart || e.pos + e.bytes > windowStart + windowLength) {
        windowStart = e.pos;
        windowLength = Math.min(COMPACTION_CHUNK, this.length - e.pos);
        fill(this.fd, window.subarray(0, windowLength), windowStart, this.path);
      }
      if (outLength + e.bytes > COMPACTION_CHUNK) flush();
      window.copy(out, outLength, e.pos - windowStart, e.pos - windowStart + e.bytes);
      moved.set(key, { pos: flushed + outLength, bytes: e.bytes, partition: e.partition });
      outLength += e.bytes;
    }
    flush();
    fsyncSync(fd);
    closeSync(this.fd);
    this.fd = fd;
    this.path = path;
    this.length = flushed;
    this.live = flushed;
    this.index.clear();
    for (const [k, e] of moved) this.index.set(k, e);
  }


  /** Removes and returns a key's state (undefined if it was not evicted): a view valid until the next call on this store. */
  take(key: string): Buffer | undefined {
    const e = this.index.get(key);
    if (!e) return undefined;
    this.index.delete(key);
    this.live -= e.bytes;
    return this.readAt(this.fd, e.pos, e.bytes, this.path);
  }

  /** Forgets the keys of the given partitions (revoked: their next owner copies them); returns their entries. */
  release(partitions: ReadonlySet<string>): EvictedEntry[] {
    const out: EvictedEntry[] = [];
    for (const [key, e] of this.index) {
      if (!partitions.has(e.partition)) continue;
      out.push([key, e.pos, e.bytes, e.partition]);
      this.index.delete(key);
      this.live -= e.bytes;
    }
    return out;
  }

  /**
   * Makes every append so far durable (before a checkpoint that refers to them is written). Runs on the
   * thread pool: flushing a large spill file can take seconds, and the event loop keeps training meanwhile
   * (appends made during the flush belong to the next checkpoint).
   */
  sync(): Promise<void> {
    const fd = this.fd;
    return new Promise((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
  }

  snapshot(): EvictedKeysSnapshot {
    return { file: basename(this.path), bytes: this.length, entries: [...this.index].map(([key, e]) => [key, e.pos, e.bytes, e.partition]) };
  }

  /**
   * Takes over entries of a checkpoint: from this file (after a restart, positions are still valid) or, when
   * `fromPath` names another instance's spill file, by copying their bytes here.
   */
  adopt(entries: readonly EvictedEntry[], fromPath?: string): void {
    if (!fromPath || fromPath === this.path) {
      for (const [key, pos, bytes, partition] of entries) {
        if (pos + bytes > this.length) throw new Error(`spill file ${this.path}: entry of ${key} lies beyond its ${this.length} bytes`);
        const old = this.index.get(key);
        if (old) this.live -= old.bytes;
        this.live += bytes;
        this.index.set(key, { pos, bytes, partition });
      }
      return;
    }
    const fd = openSync(fromPath, 'r');
    try {
      for (const [key, pos, bytes, partition] of entries) this.put(key, partition, this.readAt(fd, pos, bytes, fromPath));
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /** `bytes` bytes at `pos` of `fd`, in the scratch buffer. */
  private readAt(fd: number, pos: number, bytes: number, path: string): Buffer {
    if (this.scratch.length < bytes) this.scratch = Buffer.allocUnsafe(Math.max(bytes, 2 * this.scratch.length));
    const buf = this.scratch.subarray(0, bytes);
    fill(fd, buf, pos, path);
    return buf;
  }
}

function fill(fd: number, buf: Buffer, pos: number, path: string): void {
  const bytes = buf.length;
  let read = 0;
  while (read < bytes) {
    const n = readSync(fd, buf, read, bytes - read, pos + read);
    if (n === 0) throw new Error(`spill file ${path}: ${bytes} bytes at ${pos} expected, the file ends first`);
    read += n;
  }
}
