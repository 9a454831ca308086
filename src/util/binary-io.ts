/**
 * Little-endian binary writing into one growing buffer (doubling), for compact state records. `bytes()`
 * is a view of the internal buffer: valid until the next write or {@link reset}.
 */
export class ByteWriter {
  private buf: Buffer;
  private at = 0;

  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
  }

  get length(): number {
    return this.at;
  }

  /** Starts over, keeping the buffer. */
  reset(): void {
    this.at = 0;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  u8(v: number): void {
    this.room(1);
    this.buf.writeUInt8(v, this.at);
    this.at += 1;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v, this.at);
    this.at += 4;
  }

  /** Overwrites a u32 written earlier at `pos` (a length prefix filled in afterwards). */
  u32At(pos: number, v: number): void {
    this.buf.writeUInt32LE(v, pos);
  }

  i32(v: number): void {
    this.room(4);
    this.buf.writeInt32LE(v, this.at);
    this.at += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.at);
    this.at += 8;
  }

  /** Float32 values (exact for values that came from a Float32Array). */
  f32s(values: ArrayLike<number>): void {
    this.room(4 * values.length);
    for (let i = 0; i < values.length; i++, this.at += 4) this.buf.writeFloatLE(values[i], this.at);
  }

  /** A UTF-8 string with a u32 byte-length prefix. */
  str(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.u32(n);
    this.room(n);
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
}

/** Reads what a {@link ByteWriter} wrote; every read past the end throws a RangeError naming `what`. */
export class ByteReader {
  private at = 0;

  constructor(private readonly buf: Buffer, private readonly what: string) {}

  get done(): boolean {
    return this.at === this.buf.length;
  }

  get offset(): number {
    return this.at;
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.at++);
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.at);
    this.at += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }

  f32s(n: number): Float32Array {
    this.need(4 * n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++, this.at += 4) out[i] = this.buf.readFloatLE(this.at);
    return out;
  }

  str(): string {
    const n = this.u32();
    this.need(n);
    const s = this.buf.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }

  /** The next `n` bytes as a view. */
  view(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new RangeError(`${this.what}: truncated (${n} bytes needed at ${this.at} of ${this.buf.length})`);
  }
}
