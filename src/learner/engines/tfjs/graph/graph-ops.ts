import { output, type GraphBuilder, type TensorRef } from './graph-builder';

const F = { type: 'float32' } as const;
const I32 = { type: 'int32' } as const;

/**
 * TensorFlow ops on a GraphBuilder with their attributes filled in (float32 data, int32 indices and
 * shapes), named as the ops are. Shapes in the comments are the graphs' uses.
 */
export class GraphOps {
  constructor(readonly g: GraphBuilder) {}

  floatConst(shape: readonly number[], values: ArrayLike<number>): TensorRef {
    return this.g.constant({ dtype: 'float32', shape, values });
  }

  intConst(shape: readonly number[], values: ArrayLike<number>): TensorRef {
    return this.g.constant({ dtype: 'int32', shape, values });
  }

  /** A float32 tensor of zeros. */
  zeros(shape: readonly number[]): TensorRef {
    return this.floatConst(shape, shape.some((d) => d === 0) ? [] : [0]);
  }

  /** a·b with optional transposes. */
  matMul(a: TensorRef, b: TensorRef, transposeA = false, transposeB = false): TensorRef {
    return this.g.node('MatMul', [a, b], { T: F, transpose_a: { bool: transposeA }, transpose_b: { bool: transposeB } });
  }

  add(a: TensorRef, b: TensorRef): TensorRef {
    return this.g.node('AddV2', [a, b], { T: F });
  }

  sub(a: TensorRef, b: TensorRef): TensorRef {
    return this.g.node('Sub', [a, b], { T: F });
  }

  /** x times a constant. */
  scale(x: TensorRef, factor: number): TensorRef {
    return this.g.node('Mul', [x, this.floatConst([], [factor])], { T: F });
  }

  square(x: TensorRef): TensorRef {
    return this.g.node('Square', [x], { T: F });
  }

  softmax(x: TensorRef): TensorRef {
    return this.g.node('Softmax', [x], { T: F });
  }

  identity(x: TensorRef, name?: string): TensorRef {
    return this.g.node('Identity', [x], { T: F }, name);
  }

  /** Sum over one axis (dropped). */
  sum(x: TensorRef, axis: number): TensorRef {
    return this.g.node('Sum', [x, this.intConst([], [axis])], { T: F, Tidx: I32, keep_dims: { bool: false } });
  }

  /** Mean over one axis (dropped). */
  mean(x: TensorRef, axis: number): TensorRef {
    return this.g.node('Mean', [x, this.intConst([], [axis])], { T: F, Tidx: I32, keep_dims: { bool: false } });
  }

  reshape(x: TensorRef, shape: readonly number[]): TensorRef {
    return this.g.node('Reshape', [x, this.intConst([shape.length], shape)], { T: F, Tshape: I32 });
  }

  slice(x: TensorRef, begin: readonly number[], size: readonly number[]): TensorRef {
    return this.g.node('Slice', [x, this.intConst([begin.length], begin), this.intConst([size.length], size)], { T: F, Index: I32 });
  }

  /** Concatenation along `axis` (one tensor: itself). */
  concat(xs: readonly TensorRef[], axis: number): TensorRef {
    if (xs.length === 1) return xs[0];
    return this.g.node('ConcatV2', [...xs, this.intConst([], [axis])], { N: { int: xs.length }, T: F, Tidx: I32 });
  }

  /** The 2-D transpose. */
  transpose(x: TensorRef): TensorRef {
    return this.g.node('Transpose', [x, this.intConst([2], [1, 0])], { T: F, Tperm: I32 });
  }

  /** Rows (axis 0) of x picked by constant indices. */
  gatherRows(x: TensorRef, indices: ArrayLike<number>): TensorRef {
    return this.gather(x, this.intConst([indices.length], indices));
  }

  /** Rows (axis 0) of x picked by an int32 tensor of indices. */
  gather(x: TensorRef, indices: TensorRef): TensorRef {
    return this.g.node('GatherV2', [x, indices, this.intConst([], [0])], {
      Tparams: F, Tindices: I32, Taxis: I32, batch_dims: { int: 0 },
    });
  }

  /** The `num` slices of x along axis 0, as references. */
  unstack(x: TensorRef, num: number): TensorRef[] {
    const u = this.g.node('Unpack', [x], { num: { int: num }, T: F, axis: { int: 0 } });
    return Array.from({ length: num }, (_, k) => output(u, k));
  }

  /** One-hot rows [n, depth] of int32 ids [n]. */
  oneHot(ids: TensorRef, depth: number): TensorRef {
    return this.g.node('OneHot', [ids, this.intConst([], [depth]), this.floatConst([], [1]), this.floatConst([], [0])], {
      axis: { int: -1 }, T: F, TI: I32,
    });
  }

  /** Per id in [0, n), the sum of the rows of data [m, k] with that id in ids [m]: [n, k]. */
  segmentSum(data: TensorRef, ids: TensorRef, n: number): TensorRef {
    return this.g.node('UnsortedSegmentSum', [data, ids, this.intConst([], [n])], { T: F, Tindices: I32, Tnumsegments: I32 });
  }
}
