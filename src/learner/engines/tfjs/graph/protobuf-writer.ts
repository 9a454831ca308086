/**
 * A minimal Protocol Buffers encoder: the wire format of the few TensorFlow messages the graph path writes
 * (GraphDef, SavedModel). Fields are written in call order; nested messages are built by a callback.
 */
export class ProtobufWriter {
  private readonly bytes: number[] = [];

  /** A varint field (wire type 0); negative numbers as 64-bit two's complement, as int64 fields take them. */
  int(field: number, value: number): this {
    return this.key(field, 0).varint(value);
  }

  bool(field: number, value: boolean): this {
    return this.key(field, 0).varint(value ? 1 : 0);
  }

  /** A float field (wire type 5, little-endian IEEE 754 single). */
  float(field: number, value: number): this {
    this.key(field, 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    for (const x of b) this.bytes.push(x);
    return this;
  }

  /** Packed repeated varints (wire type 2). */
  packedInts(field: number, values: ArrayLike<number>): this {
    const inner = new ProtobufWriter();
    for (let i = 0; i < values.length; i++) inner.varint(values[i]);
    return this.raw(field, inner.finish());
  }

  /** Packed repeated floats (wire type 2). */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = Buffer.alloc(4 * values.length);
    for (let i = 0; i < values.length; i++) b.writeFloatLE(values[i], 4 * i);
    return this.raw(field, b);
  }

  string(field: number, value: string): this {
    return this.raw(field, Buffer.from(value, 'utf8'));
  }

  /** A length-delimited field holding already encoded bytes (wire type 2). */
  raw(field: number, value: Uint8Array): this {
    this.key(field, 2).varint(value.length);
    for (const x of value) this.bytes.push(x);
    return this;
  }

  /** A nested message, written by `write`. */
  message(field: number, write: (w: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    write(inner);
    return this.raw(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  private key(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  private varint(value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf varint: ${value} is not a safe integer`);
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
    return this;
  }
}
