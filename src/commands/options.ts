/**
 * The flags of the command line's commands, one table per command: each flag is declared once,
 * as a {@link Flag}, and its commander option (help text, default shown, choices, parsing and
 * checking) and where its value goes all come from that entry. The parsers of numbers and lists
 * shared by every command are here too.
 */
import {Command, InvalidArgumentError, Option} from 'commander';
import {NODE_BACKENDS} from '../backend/node';

/**
 * Parses and checks a flag's value. A bad value throws an `InvalidArgumentError` that says what
 * is allowed; commander adds the flag and the value:
 * `error: option '--batch <n>' argument '-1' is invalid. Expected an integer ≥ 1.`
 */
export type Parse<V> = (value: string) => V;

function finite(value: string): number | undefined {
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

/** An integer of at least `min`. */
export function integer(min: number): Parse<number> {
  return (value) => {
    const n = finite(value);
    if (n === undefined || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`Expected an integer ≥ ${min}.`);
    return n;
  };
}

/** A finite number of at least `min`. */
export function number(min: number): Parse<number> {
  return (value) => {
    const n = finite(value);
    if (n === undefined || n < min) throw new InvalidArgumentError(`Expected a number ≥ ${min}.`);
    return n;
  };
}

/** Comma-separated integers of at least `min` (`--filters 32,64,128`). */
export function integerList(min: number): Parse<number[]> {
  return (value) => {
    const list = value.split(',').map(finite);
    if (!list.every((n) => n !== undefined && Number.isInteger(n) && n >= min)) {
      throw new InvalidArgumentError(`Expected comma-separated integers ≥ ${min}.`);
    }
    return list as number[];
  };
}

/** Comma-separated finite numbers of at least `min` (`--ratios 1,2,4`). */
export function numberList(min: number): Parse<number[]> {
  return (value) => {
    const list = value.split(',').map(finite);
    if (!list.every((n) => n !== undefined && n >= min)) throw new InvalidArgumentError(`Expected comma-separated numbers ≥ ${min}.`);
    return list as number[];
  };
}

/**
 * `choicesOf<T>()(list)` is `list`, checked at compile time to hold every value of the union
 * `T` and nothing else: a list of choices that cannot fall behind its type.
 */
export function choicesOf<T extends string>() {
  return <L extends readonly T[]>(list: L & ([T] extends [L[number]] ? unknown : never)): readonly T[] => list;
}

/** The backends the command line takes: Node's. */
export const BACKENDS = NODE_BACKENDS;

/** One flag of a command, whose value goes to `key` of the command's values `T`. */
export interface Flag<T, K extends keyof T = keyof T> {
  /** commander's flags: `--batch <n>` takes a value, `--tied` is a switch, `--no-encoder-batch-norm` sets its key false. */
  flags: string;
  description: string;
  key: K;
  /** Parses and checks the value (`integer(1)`, `number(0)`, `integerList(1)`); the value is the string without it. */
  parse?: Parse<T[K]>;
  /** The allowed values, listed in the help and checked by commander. */
  choices?: readonly T[K][];
  /** The value as written on the command line, where that is not `String(value)` (the inverse of `parse`). */
  show?(value: T[K]): string;
  /** The default, as the help shows it. Never applied here: the code that owns the default applies it. */
  default?: string;
  /**
   * The flag must be given. It shows in the usage line; it is checked (see `readFlags`) after
   * the unknown flags, so that a typo is reported as one, with its suggestion.
   */
  required?: boolean;
  /** The key of a flag this one cannot be given with. */
  conflicts?: keyof T;
  /** The heading of the flag's group in the help (`Data`), if any. */
  group?: string;
}

/** A command's flags: one entry per flag, each with a key of `T`. */
export type FlagTable<T> = {[K in keyof T]-?: Flag<T, K>}[keyof T][];

/** The name under which commander holds a flag's value (`--shard-size <n>` → `shardSize`). */
function attributeName(flags: string): string {
  return new Option(flags).attributeName();
}

/** Adds the flags of `table` to `command` as commander options. */
export function addFlags<T>(command: Command, table: FlagTable<T>): Command {
  for (const flag of table) {
    const option = new Option(flag.flags, flag.description);
    if (flag.choices) option.choices(flag.choices as readonly string[]);
    if (flag.parse) {
      const parse = flag.parse;
      option.argParser((value: string) => parse(value));
    }
    // A default value only shows in the help: readFlags takes only the values given on the command line.
    // (commander shows no default of a --no-… flag.)
    if (flag.default !== undefined && !option.negate) option.default(option.isBoolean() ? false : flag.default, flag.default);
    if (flag.conflicts !== undefined) {
      const other = table.find((f) => f.key === flag.conflicts);
      if (!other) throw new Error(`${flag.flags} conflicts with '${String(flag.conflicts)}', which has no flag`);
      option.conflicts(attributeName(other.flags));
    }
    if (flag.group !== undefined) option.helpGroup(`${flag.group}:`);
    command.addOption(option);
  }
  return command;
}

/** The usage line of a command with the flags of `table` and `args`: its required flags, `[options]`, `args`. */
export function usageLine<T>(table: FlagTable<T>, args: string[]): string {
  return [...table.filter((flag) => flag.required).map((flag) => flag.flags), '[options]', ...args].join(' ');
}

/**
 * The values of the flags of `table` given on the command line of `command`, at their keys; a
 * required flag not given is commander's usage error.
 */
export function readFlags<T>(command: Command, table: FlagTable<T>): Partial<T> {
  const values: Partial<T> = {};
  for (const flag of table) {
    const name = attributeName(flag.flags);
    if (command.getOptionValueSource(name) === 'cli') {
      values[flag.key] = command.getOptionValue(name);
    } else if (flag.required) {
      command.error(`error: required option '${flag.flags}' not specified`, {code: 'commander.missingMandatoryOptionValue'});
    }
  }
  return values;
}

/**
 * The command line that `values` come from (`sparseland reproduce lista --variants alista …`),
 * for a run's record: `words`, then every flag of `table` that has a value, in the table's order.
 * Lists are written comma-separated, switches without a value.
 */
export function commandLine<T>(words: string[], table: FlagTable<T>, values: Partial<T>): string {
  const line = ['sparseland', ...words];
  for (const flag of table) {
    const value = values[flag.key];
    if (value === undefined) continue;
    line.push(flag.flags.split(' ')[0]);
    if (flag.show) line.push(flag.show(value as T[typeof flag.key]));
    else if (Array.isArray(value)) line.push(value.join(','));
    else if (typeof value !== 'boolean') line.push(String(value));
  }
  return line.join(' ');
}

/** `--backend <name>`, the same flag in every command's table (in the help group `group`, if given). */
export function backendFlag<T extends {backend: string}>(group?: string): Flag<T, 'backend'> {
  return {flags: '--backend <name>', key: 'backend', choices: BACKENDS as readonly T['backend'][],
          default: 'the best available', description: 'the tensor backend', ...(group === undefined ? {} : {group})};
}
