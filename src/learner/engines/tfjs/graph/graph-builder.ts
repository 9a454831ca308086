import { ProtobufWriter } from './protobuf-writer';

/** Element types the graphs use (TensorFlow's DataType enum values). */
export type GraphDtype = 'float32' | 'int32' | 'int64';
const DATA_TYPE: Record<GraphDtype, number> = { float32: 1, int32: 3, int64: 9 };

/** One attribute value of a node (TensorFlow's AttrValue, the cases the graphs use). */
export type GraphAttr =
  | { readonly type: GraphDtype }
  | { readonly bool: boolean }
  | { readonly int: number }
  | { readonly float: number }
  | { readonly shape: readonly number[] }
  | { readonly tensor: ConstTensor };

/** A constant's value: float32 or int32 values (fewer than the shape's size: the last one repeats), or one int64. */
export interface ConstTensor {
  readonly dtype: GraphDtype;
  readonly shape: readonly number[];
  readonly values: ArrayLike<number>;
}

/** A tensor in the graph: the node's name, with ":k" for its output k > 0 (GraphDef's input syntax). */
export type TensorRef = string;

interface GraphNode {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly TensorRef[];
  readonly attrs: Readonly<Record<string, GraphAttr>>;
}

/**
 * Builds a TensorFlow GraphDef node by node and wraps it in a SavedModel (saved_model.pb bytes, tag
 * "serve", no variables), the form in which tfjs-node hands a whole graph to the native runtime.
 */
export class GraphBuilder {
  private readonly nodes: GraphNode[] = [];
  private readonly names = new Set<string>();

  /** Adds a node; returns the reference of its output 0 (`output(ref, k)` gives the others). */
  node(op: string, inputs: readonly TensorRef[], attrs: Readonly<Record<string, GraphAttr>> = {}, name?: string): TensorRef {
    const n = name ?? `${op}_${this.nodes.length}`;
    if (this.names.has(n)) throw new Error(`internal: graph node ${n} defined twice`);
    this.names.add(n);
    this.nodes.push({ name: n, op, inputs, attrs });
    return n;
  }

  /** A fed input. */
  placeholder(name: string, dtype: GraphDtype, shape: readonly number[]): TensorRef {
    return this.node('Placeholder', [], { dtype: { type: dtype }, shape: { shape } }, name);
  }

  constant(value: ConstTensor): TensorRef {
    return this.node('Const', [], { dtype: { type: value.dtype }, value: { tensor: value } });
  }

  /** The SavedModel protocol buffer holding this graph. */
  savedModel(): Uint8Array {
    const graph = new ProtobufWriter();
    for (const n of this.nodes) {
      graph.message(1, (w) => {
        w.string(1, n.name).string(2, n.op);
        for (const i of n.inputs) w.string(3, i);
        for (const [key, value] of Object.entries(n.attrs)) w.message(5, (e) => e.string(1, key).message(2, (v) => writeAttr(v, value)));
      });
    }
    // VersionDef: producer, min_consumer.
    graph.message(4, (v) => v.int(1, 1205).int(2, 0));
    const graphDef = graph.finish();
    // SavedModel { saved_model_schema_version = 1, meta_graphs { meta_info_def { tags: "serve" }, graph_def } }.
    return new ProtobufWriter().int(1, 1).message(2, (m) => m.message(1, (info) => info.string(4, 'serve')).raw(2, graphDef)).finish();
  }
}

/** The reference of output k of the node `ref` names. */
export function output(ref: TensorRef, k: number): TensorRef {
  return k === 0 ? ref : `${ref}:${k}`;
}

/** The "node:k" name under which a session feeds or fetches a tensor. */
export function feedName(ref: TensorRef): string {
  return ref.includes(':') ? ref : `${ref}:0`;
}

function writeShape(w: ProtobufWriter, shape: readonly number[]): void {
  for (const d of shape) w.message(2, (dim) => dim.int(1, d));
}

function writeAttr(w: ProtobufWriter, a: GraphAttr): void {
  if ('type' in a) w.int(6, DATA_TYPE[a.type]);
  else if ('bool' in a) w.bool(5, a.bool);
  else if ('int' in a) w.int(3, a.int);
  else if ('float' in a) w.float(4, a.float);
  else if ('shape' in a) w.message(7, (s) => writeShape(s, a.shape));
  else w.message(8, (t) => writeTensor(t, a.tensor));
}

/** TensorProto: dtype (1), tensor_shape (2), float_val (5), int_val (7), int64_val (10). */
function writeTensor(w: ProtobufWriter, t: ConstTensor): void {
  w.int(1, DATA_TYPE[t.dtype]).message(2, (s) => writeShape(s, t.shape));
  if (t.values.length === 0) return;
  if (t.dtype === 'float32') w.packedFloats(5, t.values);
  else w.packedInts(t.dtype === 'int32' ? 7 : 10, t.values);
}
