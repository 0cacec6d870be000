/**
 * ONNX export of layers models made of sparseland and tfjs layers (docs/onnx.md):
 * `await sl.onnx.exportModel(model, 'model.onnx')`.
 */
export {exportModel, exportModelToBytes, IR_VERSION, OPSET} from './export';
export type {ExportFileOptions, ExportOptions} from './export';
export {OnnxExportError, supportedLayers} from './registry';
export {decodeModel} from './proto';
