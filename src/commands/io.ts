/**
 * The command line's commands on commander: what a command is ({@link CommandSpec}: its
 * arguments, its table of flags and what it runs), and the program that parses a command line,
 * writes to a {@link CommandIo} instead of the process's streams, and returns the exit status
 * (0 done, 1 failed, 2 a usage error) instead of exiting.
 */
import {Command, CommanderError} from 'commander';
import {addFlags, FlagTable, readFlags, usageLine} from './options';

/** Where a command writes. */
export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Where progress bars are drawn (the terminal's stderr when run as a command); none if absent. */
  progress?: NodeJS.WriteStream;
}

/** The exit status of a usage error: an unknown command or flag, a bad value, a missing argument. */
export const USAGE_ERROR = 2;

/** What a command's `run` gets besides its arguments and flags. */
export interface RunContext {
  io: CommandIo;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  /** Reports a usage error that the flags' own checks cannot see (a combination of flags): status 2. */
  usage: (message: string) => never;
}

/** A command of the command line. */
export interface CommandSpec<T> {
  name: string;
  /** Its line in `sparseland --help`. */
  summary: string;
  /** What `sparseland NAME --help` says above the arguments and flags. */
  description: string;
  /** Its positional arguments: `[name, description]`, with `<name>` required. */
  arguments: [string, string][];
  flags: FlagTable<T>;
  /** Runs the command with its arguments and the flags given; resolves to 0 when done, 1 when it failed. */
  run: (args: string[], values: Partial<T>, context: RunContext) => Promise<number>;
}

/** Commands under one name: `sparseland reproduce lista`, each subcommand with its own flags and help. */
export interface CommandGroup {
  name: string;
  summary: string;
  description: string;
  commands: CommandSpec<any>[];
}

/** The root command: writes to `io`, throws instead of exiting, and suggests the nearest command or flag to a typo. */
export function createProgram(name: string, io: CommandIo): Command {
  const line = (write: (line: string) => void) => (text: string) => write(text.replace(/\n$/, ''));
  return new Command(name)
    .exitOverride()
    .configureOutput({writeOut: line(io.out), writeErr: line(io.err)})
    .showSuggestionAfterError(true)
    .showHelpAfterError(`(${name} --help lists the commands)`);
}

/** The command's words after the program's name: `reproduce lista`. */
function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The name of the program that `command` belongs to. */
function rootName(command: Command): string {
  let c = command;
  while (c.parent) c = c.parent;
  return c.name();
}

/** Adds the command `spec` (or the group of commands) to `parent`; when one runs, `done` receives its exit status. */
function addCommand<T>(parent: Command, spec: CommandSpec<T> | CommandGroup, context: Omit<RunContext, 'usage'>,
                       done: (status: number) => void): void {
  if ('commands' in spec) {
    const group = parent.command(spec.name).summary(spec.summary).description(spec.description);
    group.showHelpAfterError(`(${rootName(parent)} ${pathOf(group)} --help lists its commands)`);
    for (const child of spec.commands) addCommand(group, child, context, done);
    return;
  }
  // command() copies the parent's output, exit and suggestion settings to the command.
  const command = parent.command(spec.name)
    .usage(usageLine(spec.flags, spec.arguments.map(([name]) => name)))
    .summary(spec.summary)
    .description(spec.description);
  command.showHelpAfterError(`(${rootName(parent)} ${pathOf(command)} --help lists its arguments and flags)`);
  for (const [name, description] of spec.arguments) command.argument(name, description);
  addFlags(command, spec.flags);
  command.action(async () => {
    const usage = (message: string): never => command.error(`error: ${message}`, {exitCode: USAGE_ERROR, code: 'sparseland.usage'});
    done(await spec.run(command.processedArgs as string[], readFlags(command, spec.flags), {...context, usage}));
  });
}

/**
 * Adds `specs` to `program` and runs the command line `argv` (without `node` and the script);
 * resolves to the exit status: 0 done (and `--help`, `--version`), 1 failed, 2 a usage error.
 */
export async function runCommands(program: Command, specs: (CommandSpec<any> | CommandGroup)[], argv: string[], io: CommandIo,
                                  signal?: AbortSignal): Promise<number> {
  let status = 0;
  for (const spec of specs) addCommand(program, spec, {io, signal}, (s) => status = s);
  if (argv.length === 0) {
    io.err('error: no command given');
    program.outputHelp({error: true});
    return USAGE_ERROR;
  }
  try {
    await program.parseAsync(argv, {from: 'user'});
    return status;
  } catch (e) {
    if (!(e instanceof CommanderError)) {
      io.err(`${program.name()}: ${(e as Error).message}`);
      return 1;
    }
    // Help asked for (`--help`, `help [command]`) and the version are not errors; every other is one of usage.
    // (A group's help shown because no subcommand was given is `commander.help` with exit code 1: a usage error.)
    const done = ['commander.helpDisplayed', 'commander.version'].includes(e.code) ||
                 (e.code === 'commander.help' && e.exitCode === 0);
    return done ? 0 : USAGE_ERROR;
  }
}
