/**
 * ONNX export to a file (Node).
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'path';
import {writeFileAtomic} from '../io/atomic_write';
import {ExportOptions, exportModelToBytes} from './export';
import {OnnxExportError} from './registry';

export interface ExportFileOptions extends ExportOptions {
  /** The `.onnx` file to write (atomically: a temporary file renamed into place). */
  path: string;
}

/**
 * Exports `model` to an ONNX file (`path`, or `options.path`), written to a temporary file in
 * the same directory and renamed into place, so a failed export leaves no partial file. Returns
 * the path written and its size.
 */
export async function exportModel(model: tf.LayersModel, target: string | ExportFileOptions):
    Promise<{path: string, bytes: number}> {
  const options: ExportFileOptions = typeof target === 'string' ? {path: target} : target;
  if (typeof options.path !== 'string' || options.path === '') {
    throw new OnnxExportError('onnx export: a target path is required');
  }
  const bytes = exportModelToBytes(model, options);
  const file = path.resolve(options.path);
  await writeFileAtomic(file, bytes);
  return {path: file, bytes: bytes.length};
}
