/** `sparseland export <model dir | model.json> <out.onnx> [--layout nhwc|nchw]`: a saved layers model written as ONNX. */
import * as tf from '@tensorflow/tfjs';
import {existsSync, statSync} from 'fs';
import * as path from 'path';
import {parseArgs} from 'util';
import {setBackend} from '../backend';
import {FileSystemHandler} from '../io/file_system';
import {exportModel} from '../onnx';
import {CommandIo} from './io';

export async function exportCommand(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({args, options: {layout: {type: 'string'}}, strict: true, allowPositionals: true});
  } catch (e) {
    return io.usage((e as Error).message);
  }
  const {positionals, values: {layout = 'nhwc'}} = parsed;
  if (positionals.length !== 2) return io.usage(`'export' takes 2 arguments, got ${positionals.length}`);
  if (layout !== 'nhwc' && layout !== 'nchw') return io.usage(`--layout must be nhwc or nchw, got '${layout}'`);
  const [source, target] = positionals;
  const json = existsSync(source) && statSync(source).isDirectory() ? path.join(source, 'model.json') : source;
  if (!existsSync(json)) return io.usage(`no model found at '${json}'`);
  if (!target.endsWith('.onnx')) return io.usage(`the output file should end in .onnx, got '${target}'`);
  try {
    await setBackend(undefined, {log: false});
    // The handler itself (not a file:// URL, which tfjs-node would take over): its checks name the bad file.
    const model = await tf.loadLayersModel(new FileSystemHandler(path.resolve(json)));
    const written = await exportModel(model, {path: target, layout});
    io.out(`wrote ${written.path} (${written.bytes} bytes)`);
    return 0;
  } catch (e) {
    io.err(`sparseland export: ${(e as Error).message}`);
    return 1;
  }
}
