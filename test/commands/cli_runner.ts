import {main} from '../../src/cli';

/** Runs the command line in-process: `run(args)` resolves to its exit status, with what it wrote in `out` and `err`. */
export function cliRunner(): {run: (args: string[]) => Promise<number>; out: string[]; err: string[]} {
  const out: string[] = [];
  const err: string[] = [];
  const run = (args: string[]) => {
    out.length = 0;
    err.length = 0;
    return main(args, (line) => out.push(line), (line) => err.push(line));
  };
  return {run, out, err};
}
