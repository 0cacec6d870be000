import {parseArgs} from 'util';

/** What a subcommand of the command line writes to, and how it reports a usage error. */
export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Prints `problem` and the usage to `err`; returns the exit status 2. */
  usage: (problem: string) => number;
  /** Where progress bars are drawn (the terminal's stderr when run as a command); none if absent. */
  progress?: NodeJS.WriteStream;
}

/** Parses a comma-separated list of positive integers (`--filters 32,64,128`), or returns an error message. */
export function positiveIntList(name: string, value: string): number[] | string {
  const list = value.split(',').map((s) => Number(s.trim()));
  return list.length > 0 && list.every((n) => Number.isInteger(n) && n > 0)
    ? list : `--${name} must be comma-separated positive integers, got '${value}'`;
}

/** Parses a number option within bounds, or returns an error message. */
export function numberOption(name: string, value: string, integer: boolean, min: number): number | string {
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) && (!integer || Number.isInteger(n)) && n >= min
    ? n : `--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got '${value}'`;
}

type OptionSpecs = Record<string, {type: 'string' | 'boolean'}>;

/**
 * `util.parseArgs` in strict mode, where a value that starts with a dash (`--batch -1`, `--lr -1e-3`)
 * is read as the value of the option before it instead of as an unknown short option, so that
 * the option's own check can name the flag, the value and what is allowed.
 */
export function parseCommandLine<O extends OptionSpecs>(args: string[], options: O, allowPositionals: boolean) {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : undefined;
    const next = args[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${args[i]}=${next}`);
      i++;
    } else {
      joined.push(args[i]);
    }
  }
  return parseArgs({args: joined, options, strict: true, allowPositionals});
}
