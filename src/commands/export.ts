/** `sparseland export <model dir | model.json> <out.onnx> [--layout nhwc|nchw]`: a saved layers model written as ONNX. */
import * as tf from '@tensorflow/tfjs';
import {existsSync, statSync} from 'fs';
import * as path from 'path';
import {setBackend} from '../backend/node';
import {FileSystemHandler} from '../io/file_system';
import {exportModel, ExportOptions} from '../onnx/node';
import {CommandIo, CommandSpec, createProgram, runCommands} from './io';
import {choicesOf, FlagTable} from './options';

/** What the flags of `export` set. */
export interface ExportValues {
  layout: NonNullable<ExportOptions['layout']>;
}

/** The flags of `export`. */
export const EXPORT_FLAGS: FlagTable<ExportValues> = [
  {flags: '--layout <layout>', key: 'layout', choices: choicesOf<ExportValues['layout']>()(['nhwc', 'nchw'] as const),
   default: 'nhwc', description: 'layout of rank-4 inputs and outputs: as in tfjs, or NCHW'},
];

/** `sparseland export`. */
export const EXPORT: CommandSpec<ExportValues> = {
  name: 'export',
  summary: 'convert a saved tfjs layers model to ONNX',
  description: 'Converts a saved tfjs layers model made of sparseland and tfjs layers to ONNX (opset 17, symbolic batch ' +
               'dimension, images NHWC in and out as in tfjs, or NCHW). See docs/onnx.md.',
  arguments: [['<model>', 'the directory of a saved model, or its model.json'], ['<out.onnx>', 'the ONNX file to write']],
  flags: EXPORT_FLAGS,
  run: async ([source, target], {layout = 'nhwc'}, {io, usage}) => {
    const json = existsSync(source) && statSync(source).isDirectory() ? path.join(source, 'model.json') : source;
    if (!existsSync(json)) usage(`no model found at '${json}'`);
    if (!target.endsWith('.onnx')) usage(`the output file should end in .onnx, got '${target}'`);
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
  },
};

/** `sparseland export ARGS...` alone: resolves to its exit status. */
export function exportCommand(args: string[], io: CommandIo): Promise<number> {
  return runCommands(createProgram('sparseland', io), [EXPORT], ['export', ...args], io);
}
