import {strict as assert} from 'assert';
import {Command} from 'commander';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'fs';
import {tmpdir} from 'os';
import * as path from 'path';
import {ANALYZE_FLAGS} from '../../src/commands/analyze';
import {EVAL_FLAGS} from '../../src/commands/eval';
import {EXPORT_FLAGS} from '../../src/commands/export';
import {addFlags, FlagTable, readFlags} from '../../src/commands/options';
import {SAMPLE_FLAGS} from '../../src/commands/sample';
import {TRAIN_FLAGS, TRAIN_PRESETS} from '../../src/commands/train';
import {CTRL_RUN_DEFAULTS} from '../../src/train/ctrl_run';
import {version} from '../../src/version';
import {cliRunner} from './cli_runner';

/** The long flag of a table entry: `--batch <n>` → `--batch`. */
const longFlag = (flags: string) => flags.split(' ')[0];

describe('sparseland command line (commander)', () => {
  const {run, out, err} = cliRunner();
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sparseland-cli-'));
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('sparseland --help lists the commands on stdout with status 0', async () => {
    assert.equal(await run(['--help']), 0);
    const help = out.join('\n');
    assert.match(help, /^Usage: sparseland \[options\] \[command\]/);
    for (const command of ['train', 'eval', 'sample', 'reproduce', 'analyze', 'export']) assert.match(help, new RegExp(`^  ${command} `, 'm'));
    assert.deepEqual(err, []);
    // `help train` is `train --help`.
    assert.equal(await run(['help', 'train']), 0);
    assert.match(out.join('\n'), /^Usage: sparseland train --preset <name> \[options\]/);
  });

  it('sparseland reproduce --help lists every recipe', async () => {
    assert.equal(await run(['reproduce', '--help']), 0);
    const help = out.join('\n');
    for (const recipe of ['lista', 'ml-csc', 'pursuit-stability', 'invertibility', 'noise-robustness']) {
      assert.match(help, new RegExp(`^  ${recipe} `, 'm'));
    }
    assert.equal(await run(['reproduce', 'noise-robustness', '--help']), 0);
    assert.match(out.join('\n'), /^Usage: sparseland reproduce noise-robustness --model <model> \[options\]/);
  });

  it('sparseland train --help lists every flag of the table, with defaults and choices', async () => {
    assert.equal(await run(['train', '--help']), 0);
    const help = out.join('\n');
    assert.match(help, /^Usage: sparseland train --preset <name> \[options\]/);
    for (const flag of TRAIN_FLAGS) assert.match(help, new RegExp(`^  ${flag.flags.replace(/[<>]/g, '\\$&')} `, 'm'), flag.flags);
    // Help text wraps: match across the line breaks and indentation.
    const flat = help.replace(/\n\s+/g, ' ');
    assert.match(flat, /--preset <name> .*\(choices: "mnist-csc-ctrl", "cifar-csc-ctrl", "imagenet64-csc-ctrl", "imagenet128-csc-ctrl"\)/);
    assert.match(flat, /--mode <mode> [^(]*\(choices: "binary", "multi", default: binary\)/);
    assert.match(flat, /--moving-statistics <passes> [^(]*\([^)]*\) \(choices: "real", "all", default: real\)/);
    assert.match(flat, /--features <codes> [^(]*\(choices: "sparse", "linear", default: sparse\)/);
    assert.match(flat, /--schedule <schedule> [^(]*\(choices: "constant", "cosine", default: constant\)/);
    assert.match(flat, /--backend <name> [^(]*\(choices: "tensorflow", "wasm", "cpu", default: the best available\)/);
    // The trainer's defaults, and those that differ between presets.
    assert.match(flat, new RegExp(`--lr <x> [^(]*\\(default: ${CTRL_RUN_DEFAULTS.learningRate}\\)`));
    assert.match(flat, new RegExp(`--checkpoint-every <n> [^(]*\\(default: ${CTRL_RUN_DEFAULTS.checkpointEvery}\\)`));
    assert.match(flat, /--batch <n> [^(]*\(default: 128 for mnist-csc-ctrl, cifar-csc-ctrl; 64 for imagenet64-csc-ctrl; 32 for imagenet128-csc-ctrl\)/);
    assert.match(flat, /--filters <list> [^(]*\(default: 64,128,256,128 for mnist-csc-ctrl, cifar-csc-ctrl; /);
    assert.match(flat, /--flip [^(]*\(default: false for mnist-csc-ctrl; true for cifar-csc-ctrl/);
    // Switches that are off show no default.
    assert.doesNotMatch(flat, /--tied [^-]*default/);
  });

  it('eval, sample, analyze and export --help list their arguments and flags', async () => {
    const tables: [string, FlagTable<any>, RegExp][] = [
      ['eval', EVAL_FLAGS, /^Usage: sparseland eval \[options\] <run>/],
      ['sample', SAMPLE_FLAGS, /^Usage: sparseland sample --per-class <n> --out <file\.png> \[options\] <run>/],
      ['analyze', ANALYZE_FLAGS, /^Usage: sparseland analyze \[options\] <model>/],
      ['export', EXPORT_FLAGS, /^Usage: sparseland export \[options\] <model> <out\.onnx>/],
    ];
    for (const [command, table, usage] of tables) {
      assert.equal(await run([command, '--help']), 0, command);
      const help = out.join('\n');
      assert.match(help, usage);
      for (const flag of table) assert.ok(help.includes(`  ${flag.flags} `), `${command} ${flag.flags}`);
    }
    assert.match(out.join('\n').replace(/\n\s+/g, ' '), /--layout <layout> .*\(choices: "nhwc", "nchw", default: nhwc\)/);
  });

  it('--version prints the version', async () => {
    assert.equal(await run(['--version']), 0);
    assert.deepEqual(out, [version]);
    assert.equal(await run(['-V']), 0);
    assert.deepEqual(out, [version]);
  });

  it('no command: the help on stderr, status 2', async () => {
    assert.equal(await run([]), 2);
    assert.deepEqual(out, []);
    assert.match(err.join('\n'), /^error: no command given\nUsage: sparseland \[options\] \[command\]/);
  });

  it('suggests the nearest command and flag to a typo, with status 2', async () => {
    assert.equal(await run(['trian', '--preset', 'mnist-csc-ctrl']), 2);
    assert.match(err.join('\n'), /^error: unknown command 'trian'\n\(Did you mean train\?\)/);
    // Before the missing --preset: the typo is the error to report.
    assert.equal(await run(['train', '--bach', '8']), 2);
    assert.match(err.join('\n'), /^error: unknown option '--bach'\n\(Did you mean --batch\?\)/);
    assert.equal(await run(['eval', 'pretrained:mnist-csc-ctrl', '--jsn']), 2);
    assert.match(err.join('\n'), /unknown option '--jsn'\n\(Did you mean --json\?\)/);
    assert.equal(await run(['sample', 'x', '--per-clas', '2']), 2);
    assert.match(err.join('\n'), /unknown option '--per-clas'\n\(Did you mean --per-class\?\)/);
    assert.match(err.join('\n'), /\(sparseland sample --help lists its arguments and flags\)/);
    assert.equal(await run(['export', 'a', 'b.onnx', '--layuot', 'nchw']), 2);
    assert.match(err.join('\n'), /unknown option '--layuot'\n\(Did you mean --layout\?\)/);
    assert.deepEqual(out, []);
  });

  it('a bad value names the flag, the value and what is allowed, with status 2 and nothing run', async () => {
    const none = path.join(dir, 'never');
    const train = ['train', '--preset', 'mnist-csc-ctrl', '--out', none];
    const cases: [string[], RegExp][] = [
      // Values that start with a dash reach the flag's own check.
      [[...train, '--batch', '-1'], /option '--batch <n>' argument '-1' is invalid\. Expected an integer ≥ 1\./],
      [[...train, '--lr', '-1e-3'], /option '--lr <x>' argument '-1e-3' is invalid\. Expected a number ≥ 0\./],
      [[...train, '--lr=-1e-3'], /option '--lr <x>' argument '-1e-3' is invalid\. Expected a number ≥ 0\./],
      [[...train, '--epochs', '0'], /option '--epochs <n>' argument '0' is invalid\. Expected an integer ≥ 1\./],
      [[...train, '--warmup-rounds', '1.5'], /option '--warmup-rounds <n>' argument '1\.5' is invalid\. Expected an integer ≥ 0\./],
      [[...train, '--rounds', 'ten'], /option '--rounds <n>' argument 'ten' is invalid\. Expected an integer ≥ 1\./],
      [[...train, '--max-minutes', ''], /option '--max-minutes <x>' argument '' is invalid\. Expected a number ≥ 0\./],
      [[...train, '--shard-size', '0'], /option '--shard-size <n>' argument '0' is invalid\. Expected an integer ≥ 1\./],
      [[...train, '--filters', '8,x,16,4'], /option '--filters <list>' argument '8,x,16,4' is invalid\. Expected comma-separated integers ≥ 1\./],
      [[...train, '--filters', '8,16'],
       /option '--filters <list>' argument '8,16' is invalid\. Expected 4 numbers of atoms, one per stage of the 'mnist-csc-ctrl' preset\./],
      [[...train, '--mode', 'both'], /option '--mode <mode>' argument 'both' is invalid\. Allowed choices are binary, multi\./],
      [[...train, '--features', 'dense'], /option '--features <codes>' argument 'dense' is invalid\. Allowed choices are sparse, linear\./],
      [[...train, '--moving-statistics', 'some'], /option '--moving-statistics <passes>' argument 'some' is invalid\. Allowed choices are real, all\./],
      [[...train, '--schedule', 'linear'], /option '--schedule <schedule>' argument 'linear' is invalid\. Allowed choices are constant, cosine\./],
      [[...train, '--backend', 'gpu'], /option '--backend <name>' argument 'gpu' is invalid\. Allowed choices are tensorflow, wasm, cpu\./],
      [['train', '--preset', 'svhn', '--out', none],
       /option '--preset <name>' argument 'svhn' is invalid\. Allowed choices are mnist-csc-ctrl, cifar-csc-ctrl, imagenet64-csc-ctrl, imagenet128-csc-ctrl\./],
      [['train', '--out', none], /required option '--preset <name>' not specified/],
      [['train', '--preset', 'imagenet64-csc-ctrl', '--out', none], /the 'imagenet64-csc-ctrl' preset needs --data <dir>/],
      [[...train, '--resume', '--resume-or-start'], /option '--resume' cannot be used with option '--resume-or-start'/],
      [[...train, '--batch'], /option '--batch <n>' argument missing/],
      [[...train, 'extra'], /too many arguments for 'train'/],
      [['eval', 'a', '--test-images', '0'], /option '--test-images <n>' argument '0' is invalid\. Expected an integer ≥ 1\./],
      [['eval', 'a', '--backend', 'gpu'], /option '--backend <name>' argument 'gpu' is invalid\. Allowed choices are tensorflow, wasm, cpu\./],
      [['sample', 'a', '--per-class', '0', '--out', path.join(none, 'x.png')],
       /option '--per-class <n>' argument '0' is invalid\. Expected an integer ≥ 1\./],
      [['sample', 'a', '--per-class', '2', '--seed=-1', '--out', path.join(none, 'x.png')],
       /option '--seed <n>' argument '-1' is invalid\. Expected an integer ≥ 0\./],
      [['export', 'a', 'b.onnx', '--layout', 'nwhc'], /option '--layout <layout>' argument 'nwhc' is invalid\. Allowed choices are nhwc, nchw\./],
    ];
    for (const [args, message] of cases) {
      assert.equal(await run(args), 2, args.join(' '));
      assert.match(err[0], new RegExp(`^error: ${message.source}`), args.join(' '));
      assert.match(err.join('\n'), /--help lists its arguments and flags/);
      assert.deepEqual(out, [], args.join(' '));
    }
    assert.ok(!existsSync(none), 'a usage error starts nothing');
  });

  it('every flag of a table reaches its key, and only the flags given', () => {
    for (const table of [TRAIN_FLAGS, EVAL_FLAGS, SAMPLE_FLAGS, EXPORT_FLAGS] as FlagTable<any>[]) {
      assert.equal(new Set(table.map((f) => f.key)).size, table.length, 'one flag per key');
      const args: string[] = [];
      const want: Record<string, unknown> = {};
      // (A flag that conflicts with another is left out.)
      for (const flag of table.filter((f) => f.conflicts === undefined)) {
        const takesValue = flag.flags.includes('<');
        const value = flag.choices ? String(flag.choices.at(-1)) : flag.parse ? '3' : 'some/value';
        args.push(longFlag(flag.flags), ...(takesValue ? [value] : []));
        want[String(flag.key)] = !takesValue ? !flag.flags.startsWith('--no-') : flag.parse ? flag.parse(value) : value;
      }
      const command = addFlags(new Command('t').exitOverride(), table);
      command.parse(args, {from: 'user'});
      assert.deepEqual(readFlags(command, table), want);
      const bare = addFlags(new Command('t').exitOverride(), table.filter((f) => !f.required));
      bare.parse([], {from: 'user'});
      assert.deepEqual(readFlags(bare, table.filter((f) => !f.required)), {}, 'defaults are shown, not applied');
    }
  });

  it('every flag of train is in the command-line section of docs/ctrl.md', () => {
    // The package root: above test/ (under tsx) or above dist/test/ (compiled).
    const root = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
    const docs = readFileSync(path.join(root, 'docs', 'ctrl.md'), 'utf8');
    const start = docs.indexOf('## Command line');
    assert.ok(start >= 0);
    const next = docs.indexOf('\n## ', start + 1);
    const section = docs.slice(start, next < 0 ? undefined : next);
    const missing = TRAIN_FLAGS.map((f) => longFlag(f.flags)).filter((flag) => !new RegExp(`\`${flag}[\` ]`).test(section));
    assert.deepEqual(missing, []);
    for (const preset of Object.keys(TRAIN_PRESETS)) assert.ok(section.includes(`\`${preset}\``), preset);
  });
});
