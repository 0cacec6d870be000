/**
 * `exportModel`: a tfjs layers model (sequential or functional, several inputs and outputs)
 * to an ONNX model (opset 17, IR version 8) with a symbolic batch dimension, NHWC (or NCHW) in
 * and out.
 */
import * as tf from '@tensorflow/tfjs';
import * as v from '../util/validate';
import {version} from '../version';
import {GraphBuilder, Layout, Value} from './graph';
import {encodeModel, valueInfo} from './proto';
import {converterFor, OnnxExportError, unsupported} from './registry';
import './converters';

/** The ONNX operator set the exporter writes. */
export const OPSET = 17;
/** The ONNX IR version the exporter writes. */
export const IR_VERSION = 8;

export interface ExportOptions {
  /** Name of the symbolic batch dimension of every input and output. Default `'batch'`. */
  batchName?: string;
  /** The graph's name. Default the model's name. */
  graphName?: string;
  /** A description stored in the model. */
  docString?: string;
  /**
   * Layout of the rank-4 inputs and outputs: `'nhwc'` as the tfjs model, or `'nchw'`, which
   * spares the exported graph (NCHW inside) a Transpose after each such input and before each
   * such output. Default `'nhwc'`.
   */
  layout?: 'nhwc' | 'nchw';
}


type SymbolicTensor = tf.SymbolicTensor & {id: number};

interface InboundNode {
  inputTensors: SymbolicTensor[];
  outputTensors: SymbolicTensor[];
  inputShapes: tf.Shape | tf.Shape[];
  outputShapes: tf.Shape | tf.Shape[];
}

function shapeList(shapes: tf.Shape | tf.Shape[], count: number): (number | null)[][] {
  return (count === 1 && !Array.isArray(shapes[0]) ? [shapes] : shapes) as (number | null)[][];
}

/** The ONNX dims of a tfjs symbolic shape: the batch axis `batchName`, other unknown axes named after the value. */
function onnxDims(shape: (number | null)[], batchName: string, value: string, layout: Layout): (number | string)[] {
  const dims = shape.map((d, i) => (i === 0 ? batchName : d ?? `${value}_dim${i}`));
  return layout === 'nchw' ? [dims[0], dims[3], dims[1], dims[2]] : dims;
}

/** Exports `model` to ONNX protobuf bytes. */
export function exportModelToBytes(model: tf.LayersModel, options: ExportOptions = {}): Uint8Array {
  const batchName = options.batchName ?? 'batch';
  const layout = v.oneOf('exportModel', 'layout', options.layout ?? 'nhwc', ['nhwc', 'nchw']);
  const g = new GraphBuilder(batchName);
  const values = new Map<number, Value>();
  const inputs = model.inputs.map((t, i) => {
    const name = g.unique(model.inputNames[i] ?? `input${i}`);
    if (t.dtype !== 'float32') throw new OnnxExportError(`onnx export: input '${name}' has dtype ${t.dtype}, only float32 is supported`);
    const inputLayout: Layout = t.shape.length === 4 ? layout : 'plain';
    values.set((t as SymbolicTensor).id, {name, shape: t.shape, layout: inputLayout});
    return valueInfo(name, onnxDims(t.shape, batchName, name, inputLayout));
  });

  const pending: {layer: tf.layers.Layer, node: InboundNode}[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    if (layer instanceof tf.LayersModel) unsupported(layer, 'nested models are not supported: export a flat model');
    if (!converterFor(layer)) unsupported(layer, 'this layer class has no ONNX converter');
    for (const node of (layer as unknown as {inboundNodes: InboundNode[]}).inboundNodes) pending.push({layer, node});
  }
  // Convert each call once its inputs are known (model.layers is in topological order; the loop
  // also copes with any other order). Calls belonging to other models never become ready.
  let progress = true;
  while (progress) {
    progress = false;
    for (const call of pending) {
      const {layer, node} = call;
      if (node.outputTensors.every((t) => values.has(t.id))) continue;
      if (!node.inputTensors.every((t) => values.has(t.id))) continue;
      const converter = converterFor(layer)!;
      const outputs = converter(layer, {
        graph: g,
        inputs: node.inputTensors.map((t) => values.get(t.id)!),
        outputShapes: shapeList(node.outputShapes, node.outputTensors.length),
      });
      outputs.forEach((v, i) => {
        values.set(node.outputTensors[i].id, v);
        g.describe(v);
      });
      progress = true;
    }
  }

  const outputs = model.outputs.map((t, i) => {
    const value = values.get((t as SymbolicTensor).id);
    if (!value) throw new OnnxExportError(`onnx export: output '${t.name}' is not reachable from the model's inputs`);
    const name = g.unique(model.outputNames[i] ?? `output${i}`);
    const out = value.shape.length === 4 && layout === 'nchw' ? g.nchw(value) : g.nhwc(value);
    g.output(out.name, name);
    return valueInfo(name, onnxDims(t.shape, batchName, name, out.layout));
  });

  return encodeModel({
    ir_version: IR_VERSION,
    opset_import: [{domain: '', version: OPSET}],
    producer_name: 'sparseland',
    producer_version: version,
    ...(options.docString ? {doc_string: options.docString} : {}),
    graph: {
      name: options.graphName ?? model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: inputs,
      output: outputs,
      value_info: g.valueInfos,
    },
  });
}
