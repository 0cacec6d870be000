#!/usr/bin/env node
/**
 * The `sparseland` command line: `export` (ONNX), `train`, `eval` and `sample` (CSC-CTRL).
 */
import {evalCommand, EVAL_USAGE} from './commands/eval';
import {exportCommand} from './commands/export';
import {CommandIo} from './commands/io';
import {sampleCommand, SAMPLE_USAGE} from './commands/sample';
import {trainCommand, TRAIN_USAGE} from './commands/train';
import {version} from './version';
// Registers sparseland's layer classes and the file:// handler.
import './index';

const USAGE = `usage: sparseland export <model dir | model.json> <out.onnx> [--layout nhwc|nchw]
  Converts a saved tfjs layers model made of sparseland and tfjs layers to ONNX
  (opset 17, symbolic batch dimension, images NHWC in and out as in tfjs, or NCHW). See docs/onnx.md.
${TRAIN_USAGE}
${EVAL_USAGE}
${SAMPLE_USAGE}
sparseland --version`;

/** Runs the command line with `argv` (without `node` and the script); returns the exit status. */
export async function main(argv: string[], out: (line: string) => void = console.log,
                           err: (line: string) => void = console.error, signal?: AbortSignal,
                           progress?: NodeJS.WriteStream): Promise<number> {
  const io: CommandIo = {
    out, err, progress,
    usage: (problem: string) => {
      err(`sparseland: ${problem}\n${USAGE}`);
      return 2;
    },
  };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    if (argv.length === 0) return io.usage('no command given');
    out(USAGE);
    return 0;
  }
  if (argv[0] === '--version') {
    out(version);
    return 0;
  }
  const [command, ...args] = argv;
  if (command === 'export') return exportCommand(args, io);
  if (command === 'train') return trainCommand(args, io, signal);
  if (command === 'eval') return evalCommand(args, io);
  if (command === 'sample') return sampleCommand(args, io);
  return io.usage(`unknown command '${command}'`);
}

if (require.main === module) {
  // The first Ctrl-C stops training after the current round, with a checkpoint; a second one exits.
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(130);
    console.error('\nsparseland: stopping after this round (a checkpoint will be written); Ctrl-C again to quit now');
    controller.abort();
  });
  main(process.argv.slice(2), console.log, console.error, controller.signal, process.stderr).then((code) => {
    process.exitCode = code;
  });
}
