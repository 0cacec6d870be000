/**
 * ONNX export of layers models made of sparseland and tfjs layers (docs/onnx.md), in Node and in
 * pages: `sl.onnx.exportModelToBytes(model)`; Node adds `await sl.onnx.exportModel(model,
 * 'model.onnx')`.
 */
export {exportModelToBytes, IR_VERSION, OPSET} from './export';
export type {ExportOptions} from './export';
export {OnnxExportError, supportedLayers} from './registry';
export {decodeModel} from './proto';
export type {AttributeMessage, ModelMessage, NodeMessage, TensorMessage, ValueInfoMessage} from './proto';
