/**
 * What every `sparseland reproduce <recipe>` command shares: the run folder from its `--out` flag,
 * the backend, the command line recorded in the results, the closing line that names the files
 * written, the error line, and one progress bar at a time.
 */
import {SingleBar} from 'cli-progress';
import * as path from 'path';
import {setBackend} from '../backend/node';
import {CommandIo, CommandSpec} from './io';
import {commandLine, FlagTable} from './options';

/** What a recipe's body gets. */
export interface ReproduceContext {
  /** The run folder: `--out`, or the flag's default. */
  out: string;
  /** The command line that reproduces this run, for the results it writes. */
  command: string;
  io: CommandIo;
}

/** A `reproduce` command: its help, its flags (with `--out` and `--backend`) and its body. */
export interface ReproduceSpec<T extends {out: string; backend: string}> {
  name: string;
  summary: string;
  description: string;
  flags: FlagTable<T>;
  /** The files it writes in the run folder, named in its last line. */
  files: readonly string[];
  /** Trains and measures; what it writes besides the files are its lines to `io.out`. */
  run: (values: Partial<T>, context: ReproduceContext) => Promise<void>;
}

/** The command `sparseland reproduce NAME`: sets the backend, runs the body, names the files or the error. */
export function reproduceCommand<T extends {out: string; backend: string}>(spec: ReproduceSpec<T>): CommandSpec<T> {
  const outFlag = spec.flags.find((flag) => flag.key === 'out');
  if (outFlag?.default === undefined) throw new Error(`reproduce ${spec.name}: its flags need '--out' with a default`);
  const defaultOut = outFlag.default;
  return {
    name: spec.name,
    summary: spec.summary,
    description: spec.description,
    arguments: [],
    flags: spec.flags,
    run: async (_args, values, {io}) => {
      const out = values.out ?? defaultOut;
      try {
        await setBackend(values.backend, {log: false});
        await spec.run(values, {out, command: commandLine(['reproduce', spec.name], spec.flags, values), io});
        io.out(`wrote ${spec.files.map((file) => path.join(out, file)).join(', ')}`);
        return 0;
      } catch (e) {
        io.err(`sparseland reproduce ${spec.name}: ${(e as Error).message}`);
        return 1;
      }
    },
  };
}

/** One progress bar at a time on `io.progress` (none without it). */
export interface ProgressLine {
  /** Shows the bar of `key` at `value` of `total`, starting a new bar when the key changes. */
  show(key: string, format: string, total: number, value: number, payload: Record<string, unknown>): void;
  /** Ends the bar, then writes the line to `io.out`. */
  log(line: string): void;
  stop(): void;
}

/** A {@link ProgressLine} on `io`; without a terminal (logs, CI) the bar is printed as a line every 10 s. */
export function progressLine(io: CommandIo): ProgressLine {
  let bar: SingleBar | undefined;
  let barKey = '';
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    show(key, format, total, value, payload) {
      if (!io.progress) return;
      if (bar !== undefined && barKey === key) {
        bar.update(value, payload);
        return;
      }
      stop();
      barKey = key;
      bar = new SingleBar({format, hideCursor: io.progress.isTTY, noTTYOutput: !io.progress.isTTY, notTTYSchedule: 10000,
                           stream: io.progress});
      bar.start(total, value, payload);
    },
    log(line) {
      stop();
      io.out(line);
    },
    stop,
  };
}
