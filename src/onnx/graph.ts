/**
 * The graph builder: ONNX nodes, initializers and value infos with unique readable names,
 * and the layout of every 4-D value.
 *
 * Layout: tfjs models are NHWC and ONNX's Conv, ConvTranspose and pooling operators are NCHW.
 * Every value records its layout; a converter asks for the layout it needs ({@link
 * GraphBuilder.nchw}, {@link GraphBuilder.nhwc}) and the builder inserts a Transpose only when
 * the value is in the other one, remembering the pair so that a value is transposed at most once
 * each way. Element-wise layers keep the layout they receive, so a chain of convolutions,
 * activations, sparse-coding stages and decoders stays NCHW from the first Transpose after the
 * input to the last one before a layer that needs NHWC (Flatten, Reshape, Dense) or an output.
 * Back-to-back inverse Transposes never appear.
 */
import * as tf from '@tensorflow/tfjs';
import {
  AttributeMessage, AttributeType, DataType, Dim, NodeMessage, TensorMessage, ValueInfoMessage, valueInfo,
} from './proto';

export type Layout = 'nhwc' | 'nchw' | 'plain';

/** A tensor of the ONNX graph: its name, its shape in tfjs (NHWC) order with null for unknown, its layout. */
export interface Value {
  name: string;
  shape: (number | null)[];
  layout: Layout;
}

/** An attribute value: integer, float, string, or lists of integers or floats. */
export type Attribute = {i: number} | {f: number} | {s: string} | {ints: number[]} | {floats: number[]};

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

function attribute(name: string, value: Attribute): AttributeMessage {
  if ('i' in value) return {name, type: AttributeType.INT, i: value.i};
  if ('f' in value) return {name, type: AttributeType.FLOAT, f: value.f};
  if ('s' in value) return {name, type: AttributeType.STRING, s: new TextEncoder().encode(value.s)};
  if ('ints' in value) return {name, type: AttributeType.INTS, ints: value.ints};
  return {name, type: AttributeType.FLOATS, floats: value.floats};
}

function bytesOf(view: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

export class GraphBuilder {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  readonly valueInfos: ValueInfoMessage[] = [];
  private readonly names = new Set<string>();
  private readonly transposed = new Map<string, Value>();

  constructor(readonly batchName = 'batch') {}

  /** A name not used yet, made from `hint` (characters other than `[A-Za-z0-9_./-]` become `_`). */
  unique(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_./-]/g, '_') || 'value';
    let name = base;
    for (let i = 2; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Adds a node named after `hint`; returns its `outputs` output names (`<node>` or `<node>:i`). */
  node(op: string, inputs: string[], hint: string, attrs: Record<string, Attribute> = {}, outputs = 1): string[] {
    const name = this.unique(hint);
    const out = outputs === 1 ? [name] : Array.from({length: outputs}, (_, i) => this.unique(`${name}:${i}`));
    this.nodes.push({
      name, op_type: op, input: inputs, output: out,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** An Identity node from `input` to the graph output `name` (already made unique). */
  output(input: string, name: string): void {
    this.nodes.push({name, op_type: 'Identity', input: [input], output: [name], attribute: []});
  }

  /** {@link node} with one output, returned as a value of the given shape and layout. */
  op(op: string, inputs: string[], hint: string, shape: (number | null)[], layout: Layout,
     attrs: Record<string, Attribute> = {}): Value {
    return {name: this.node(op, inputs, hint, attrs)[0], shape, layout};
  }

  /** A float32 initializer. */
  floats(hint: string, values: ArrayLike<number>, dims: number[]): string {
    const name = this.unique(hint);
    this.initializers.push({name, dims, data_type: DataType.FLOAT, raw_data: bytesOf(Float32Array.from(values))});
    return name;
  }

  /** A float32 scalar initializer. */
  scalar(hint: string, value: number): string {
    return this.floats(hint, [value], []);
  }

  /** An int64 initializer of shape `[values.length]` (axes, shapes, pads, counts). */
  ints(hint: string, values: number[]): string {
    const name = this.unique(hint);
    this.initializers.push({
      name, dims: [values.length], data_type: DataType.INT64,
      raw_data: bytesOf(BigInt64Array.from(values.map((v) => BigInt(v)))),
    });
    return name;
  }

  /** An initializer holding a tf tensor's values, transposed by `perm` first when given. */
  tensor(hint: string, t: tf.Tensor, perm?: number[]): string {
    const [data, dims] = tf.tidy(() => {
      const v = perm ? tf.transpose(t, perm) : t;
      return [v.dataSync().slice(), v.shape] as const;
    });
    return this.floats(hint, data, [...dims]);
  }

  /**
   * A per-channel constant that broadcasts against a value of `layout`: shape
   * `[C]` on the last axis, `[C, 1, 1]` for NCHW.
   */
  channels(hint: string, values: ArrayLike<number>, layout: Layout): string {
    return this.floats(hint, values, layout === 'nchw' ? [values.length, 1, 1] : [values.length]);
  }

  /** `value` in NCHW (rank-4 values only), transposing once when it is NHWC. */
  nchw(value: Value): Value {
    if (value.layout === 'nchw') return value;
    if (value.shape.length !== 4) throw new Error(`onnx: NCHW needs a rank-4 value, '${value.name}' has rank ${value.shape.length}`);
    return this.relayout(value, 'nchw', NHWC_TO_NCHW);
  }

  /** `value` in NHWC (tfjs order), transposing once when it is NCHW. */
  nhwc(value: Value): Value {
    return value.layout === 'nchw' ? this.relayout(value, 'nhwc', NCHW_TO_NHWC) : value;
  }

  /** `value` in the same layout as `like` (for element-wise operations on several inputs). */
  sameLayout(value: Value, like: Value): Value {
    if (value.shape.length !== 4 || like.shape.length !== 4) return value;
    return like.layout === 'nchw' ? this.nchw(value) : this.nhwc(value);
  }

  private relayout(value: Value, layout: Layout, perm: number[]): Value {
    const known = this.transposed.get(value.name);
    if (known) return known;
    const out = this.op('Transpose', [value.name], `${value.name}/to_${layout}`, value.shape, layout, {perm: {ints: perm}});
    this.transposed.set(value.name, out);
    this.transposed.set(out.name, value);
    return out;
  }

  /** The physical ONNX dims of a value (`batchName` for the batch axis), or null when one is unknown. */
  dims(value: Value): Dim[] | null {
    if (value.shape.slice(1).some((d) => d == null)) return null;
    const shape = value.layout === 'nchw' ? NHWC_TO_NCHW.map((i) => value.shape[i]) : value.shape;
    return shape.map((d, i) => (i === 0 ? this.batchName : d as number));
  }

  /** Records the shape of an intermediate value (checked by shape inference, shown by viewers). */
  describe(value: Value): void {
    const dims = this.dims(value);
    if (dims && !this.valueInfos.some((v) => v.name === value.name)) this.valueInfos.push(valueInfo(value.name, dims));
  }
}
