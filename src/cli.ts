#!/usr/bin/env node
/**
 * The `sparseland` command line:
 *
 *     sparseland export <model dir | model.json> <out.onnx>
 *
 * loads a saved layers model (`file://`, no tfjs-node needed) and writes it as ONNX.
 */
import * as tf from '@tensorflow/tfjs';
import {existsSync, statSync} from 'fs';
import * as path from 'path';
import {setBackend} from './backend';
import {exportModel} from './onnx';
import {version} from './version';
// Registers sparseland's layer classes and the file:// handler.
import './index';

const USAGE = `usage: sparseland export <model dir | model.json> <out.onnx>
  Converts a saved tfjs layers model made of sparseland and tfjs layers to ONNX
  (opset 17, symbolic batch dimension, NHWC in and out). See docs/onnx.md.
sparseland --version`;

/** Runs the command line with `argv` (without `node` and the script); returns the exit status. */
export async function main(argv: string[], out: (line: string) => void = console.log,
                           err: (line: string) => void = console.error): Promise<number> {
  const usage = (problem: string) => {
    err(`sparseland: ${problem}\n${USAGE}`);
    return 2;
  };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    if (argv.length === 0) return usage('no command given');
    out(USAGE);
    return 0;
  }
  if (argv[0] === '--version') {
    out(version);
    return 0;
  }
  if (argv[0] !== 'export') return usage(`unknown command '${argv[0]}'`);
  if (argv.length !== 3) return usage(`'export' takes 2 arguments, got ${argv.length - 1}`);
  const [, source, target] = argv;
  const json = existsSync(source) && statSync(source).isDirectory() ? path.join(source, 'model.json') : source;
  if (!existsSync(json)) return usage(`no model found at '${json}'`);
  if (!target.endsWith('.onnx')) return usage(`the output file should end in .onnx, got '${target}'`);
  try {
    await setBackend(undefined, {log: false});
    const model = await tf.loadLayersModel(`file://${path.resolve(json)}`);
    const written = await exportModel(model, target);
    out(`wrote ${written.path} (${written.bytes} bytes)`);
    return 0;
  } catch (e) {
    err(`sparseland export: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
