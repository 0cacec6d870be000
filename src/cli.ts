#!/usr/bin/env node
/**
 * The `sparseland` command line: `train`, `eval` and `sample` (CSC-CTRL), `reproduce` (the papers'
 * experiments), `analyze` (coherence and sparsity bounds) and `export` (ONNX).
 */
import {ANALYZE} from './commands/analyze';
import {EVAL} from './commands/eval';
import {EXPORT} from './commands/export';
import {createProgram, runCommands} from './commands/io';
import {REPRODUCE} from './commands/reproduce';
import {SAMPLE} from './commands/sample';
import {TRAIN} from './commands/train';
import {version} from './version';
// Registers sparseland's layer classes and the file:// handler.
import './node';

/**
 * Runs the command line with `argv` (without `node` and the script), writing to `out` and `err`;
 * returns the exit status: 0 done (`--help` and `--version` included), 1 the command failed, 2 a
 * usage error (an unknown command or flag, a bad value, a missing argument).
 */
export async function main(argv: string[], out: (line: string) => void = console.log,
                           err: (line: string) => void = console.error, signal?: AbortSignal,
                           progress?: NodeJS.WriteStream): Promise<number> {
  const io = {out, err, progress};
  const program = createProgram('sparseland', io)
    .description('Unrolled sparse-coding networks: train, evaluate and sample CSC-CTRL autoencoders, reproduce the papers\' experiments, measure models against the sparse-coding bounds, and export models to ONNX.')
    .version(version, '-V, --version', 'print the version');
  return runCommands(program, [TRAIN, EVAL, SAMPLE, REPRODUCE, ANALYZE, EXPORT], argv, io, signal);
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
