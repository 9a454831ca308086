/**
 * Named scratch buffers reused across calls, so that the hot paths allocate nothing once warm.
 * A buffer grows when a call needs more room than before (to the next power of two, so that windows of
 * slowly growing length reallocate a handful of times, not at every new length; each reallocation of a
 * large block can leave the C heap fragmented) and is never shrunk; its contents are whatever the last
 * user left (every user initialises what it reads).
 */
export class Workspace {
  private readonly f32 = new Map<string, Float32Array>();

  /** A Float32Array of exactly `size` elements (a view on the shared buffer named `name`). */
  get(name: string, size: number): Float32Array {
    let buf = this.f32.get(name);
    if (!buf || buf.length < size) {
      buf = new Float32Array(size <= 64 ? size : 2 ** Math.ceil(Math.log2(size)));
      this.f32.set(name, buf);
    }
    return buf.length === size ? buf : buf.subarray(0, size);
  }

  /** Like {@link get} but zero-filled. */
  zeros(name: string, size: number): Float32Array {
    const buf = this.get(name, size);
    buf.fill(0);
    return buf;
  }

  /** Drops every buffer. */
  clear(): void {
    this.f32.clear();
  }
}
