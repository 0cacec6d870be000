/** `sparseland export <model dir | model.json> <out.onnx>`: a saved layers model written as ONNX. */
import * as tf from '@tensorflow/tfjs';
import {existsSync, statSync} from 'fs';
import * as path from 'path';
import {setBackend} from '../backend';
import {exportModel} from '../onnx';
import {CommandIo} from './io';

export async function exportCommand(args: string[], io: CommandIo): Promise<number> {
  if (args.length !== 2) return io.usage(`'export' takes 2 arguments, got ${args.length}`);
  const [source, target] = args;
  const json = existsSync(source) && statSync(source).isDirectory() ? path.join(source, 'model.json') : source;
  if (!existsSync(json)) return io.usage(`no model found at '${json}'`);
  if (!target.endsWith('.onnx')) return io.usage(`the output file should end in .onnx, got '${target}'`);
  try {
    await setBackend(undefined, {log: false});
    const model = await tf.loadLayersModel(`file://${path.resolve(json)}`);
    const written = await exportModel(model, target);
    io.out(`wrote ${written.path} (${written.bytes} bytes)`);
    return 0;
  } catch (e) {
    io.err(`sparseland export: ${(e as Error).message}`);
    return 1;
  }
}
