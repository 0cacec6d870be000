/**
 * CSC-CTRL training throughput: images per second of `ClosedLoopTrainer.trainRound` (one encoder
 * and one decoder Adam step) on the `cscCtrl` model, on the default backend, against the PyTorch
 * reference of the same network and round (scripts/reference/bench_csc_ctrl.py, checked against
 * the model by test/train/csc_ctrl_reference.test.ts), run in a subprocess, by default on 1 and
 * on 2 threads (torch and OpenBLAS).
 *
 * The batch is random 32×32×1 images in [−1, 1], image `i` of class `i mod 10` in 'multi' mode, on
 * both sides; the median over `--rounds` rounds after `--warmup` untimed ones. Prints the load
 * average before and after, the table and the time ratio sparseland / faster PyTorch.
 *
 * Usage, from the repository root: `npx tsc -p . && node dist/scripts/bench/ctrl.js`
 * (options: `--filters 32,64,128,128` (default the 'mnist' preset's 64,128,256,128),
 * `--iterations 2`, `--batch 128`, `--mode binary|multi`, `--rounds 5`, `--warmup 1`,
 * `--torch-threads 1,2` (the reference's thread counts), `--python /usr/bin/python3`, `--skip-python`,
 * `--profile`: after the timing, the kernels of one round by time, and the costliest calls by shape).
 * `SPARSELAND_WASM_THREADS=N` sets the wasm backend's thread count (default every core).
 */
import * as tf from '@tensorflow/tfjs';
import {getThreadsCount} from '@tensorflow/tfjs-backend-wasm';
import {execFileSync} from 'child_process';
import {loadavg} from 'os';
import * as path from 'path';
import {parseArgs} from 'util';
import {cscCtrl} from '../../models/csc_ctrl';
import {setBackend} from '../../src/backend/node';
import {ClosedLoopTrainer, CtrlMode} from '../../src/train/closed_loop';
import * as v from '../../src/util/validate';

const NAME = 'bench/ctrl';
const CLASSES = 10;

interface Options {
  filters: number[] | undefined;
  iterations: number;
  batch: number;
  mode: CtrlMode;
  rounds: number;
  warmup: number;
  torchThreads: number[];
  python: string;
  skipPython: boolean;
  profile: boolean;
}

/** A median round: milliseconds and images per second. */
interface Timing {
  ms: number;
  imagesPerSecond: number;
}

function readOptions(): Options {
  const {values} = parseArgs({options: {
    filters: {type: 'string'}, iterations: {type: 'string', default: '2'}, batch: {type: 'string', default: '128'},
    mode: {type: 'string', default: 'binary'}, rounds: {type: 'string', default: '5'},
    warmup: {type: 'string', default: '1'}, 'torch-threads': {type: 'string', default: '1,2'}, python: {type: 'string', default: '/usr/bin/python3'},
    'skip-python': {type: 'boolean', default: false}, 'profile': {type: 'boolean', default: false},
  }});
  const filters = values.filters?.split(',').map(Number);
  if (filters !== undefined && (filters.length !== 4 || !filters.every((f) => Number.isInteger(f) && f > 0))) {
    v.reject(NAME, '--filters', "four positive integers (the 'mnist' preset's stages)", values.filters);
  }
  const torchThreads = values['torch-threads']!.split(',').map(Number);
  if (!torchThreads.every((t) => Number.isInteger(t) && t > 0)) {
    v.reject(NAME, '--torch-threads', 'positive integers separated by commas', values['torch-threads']);
  }
  return {
    filters,
    iterations: v.nonNegInt(NAME, '--iterations', Number(values.iterations)),
    batch: v.positiveInt(NAME, '--batch', Number(values.batch)),
    mode: v.oneOf(NAME, '--mode', values.mode, ['binary', 'multi'] as const),
    rounds: v.positiveInt(NAME, '--rounds', Number(values.rounds)),
    warmup: v.nonNegInt(NAME, '--warmup', Number(values.warmup)),
    torchThreads,
    python: values.python!,
    skipPython: values['skip-python']!,
    profile: values.profile!,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Prints the kernel time of one round (`tf.profile`): per kernel, and the ten costliest
 * (kernel, input shapes) pairs.
 */
async function printProfile(round: () => unknown): Promise<void> {
  const info = await tf.profile(() => {
    round();
  });
  const total = info.kernels.reduce((t, k) => t + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0), 0);
  const table = (title: string, key: (k: typeof info.kernels[number]) => string, top: number) => {
    const groups = new Map<string, {calls: number; ms: number}>();
    for (const k of info.kernels) {
      const g = groups.get(key(k)) ?? {calls: 0, ms: 0};
      g.calls++;
      g.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      groups.set(key(k), g);
    }
    console.log(`\n| ${title} | calls | ms | share |\n|---|---|---|---|`);
    [...groups.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top).forEach(([name, g]) =>
      console.log(`| ${name} | ${g.calls} | ${g.ms.toFixed(0)} | ${(100 * g.ms / total).toFixed(1)} % |`));
  };
  console.log(`\nprofile of one round: ${total.toFixed(0)} ms of kernel time`);
  table('kernel', (k) => k.name, 12);
  table('kernel and input shapes', (k) => `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(' ')}`, 10);
}

/** Median round of sparseland's closed-loop trainer on the current backend. */
async function sparseland(options: Options): Promise<Timing> {
  const {encoder, decoder} = cscCtrl({preset: 'mnist', iterations: options.iterations,
                                      ...(options.filters ? {filters: options.filters} : {})});
  const trainer = new ClosedLoopTrainer({encoder, decoder, mode: options.mode, numClasses: CLASSES});
  const images = tf.randomUniform([options.batch, 32, 32, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
  const labels = Array.from({length: options.batch}, (_, i) => i % CLASSES);
  try {
    for (let i = 0; i < options.warmup; i++) trainer.trainRound(images, labels);
    const times: number[] = [];
    for (let i = 0; i < options.rounds; i++) {
      const t0 = process.hrtime.bigint();
      trainer.trainRound(images, labels);  // synchronous: it reads the objective's terms back
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const ms = median(times);
    if (options.profile) await printProfile(() => trainer.trainRound(images, labels));
    return {ms, imagesPerSecond: options.batch / (ms / 1e3)};
  } finally {
    images.dispose();
    trainer.dispose();
    encoder.dispose();
    decoder.dispose();
  }
}

/** The PyTorch reference's median round on `threads` threads (torch and OpenBLAS; OpenBLAS tuning unset), or why it failed. */
function pytorch(options: Options, threads: number): Timing | string {
  const env = {...process.env};
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  // torch.set_num_threads does not bound the OpenBLAS that Debian's torch calls for products.
  env.OPENBLAS_NUM_THREADS = String(threads);
  const args = [path.resolve('scripts/reference/bench_csc_ctrl.py'),
                '--filters', (options.filters ?? [64, 128, 256, 128]).join(','),
                '--iterations', String(options.iterations), '--batch', String(options.batch), '--mode', options.mode,
                '--threads', String(threads), '--rounds', String(options.rounds), '--warmup', String(options.warmup)];
  try {
    const out = execFileSync(options.python, args, {env, encoding: 'utf8'});
    const result = JSON.parse(out.trim().split('\n').pop()!) as {median_ms: number; images_per_s: number};
    return {ms: result.median_ms, imagesPerSecond: result.images_per_s};
  } catch (e) {
    return `fails (${(e as Error).message.split('\n')[0].slice(0, 80)})`;
  }
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const options = readOptions();
  const backend = await setBackend();
  const threads = backend === 'wasm' ? `, ${getThreadsCount()} thread(s)` : '';
  const filters = (options.filters ?? [64, 128, 256, 128]).join(',');
  console.log(`CSC-CTRL rounds: filters ${filters}, K = ${options.iterations}, batch ${options.batch}, ` +
              `${options.mode}, median of ${options.rounds} after ${options.warmup} warm-up`);
  console.log(`load average (1, 5, 15 min) before: ${load()}`);
  const rows: [string, Timing | string][] = [[`sparseland ${backend}${threads}`, await sparseland(options)]];
  if (!options.skipPython) {
    for (const t of options.torchThreads) rows.push([`PyTorch cpu, ${t} thread(s)`, pytorch(options, t)]);
  }
  console.log(`load average (1, 5, 15 min) after: ${load()}`);
  console.log('\n| implementation | ms per round | images/s |\n|---|---|---|');
  for (const [name, r] of rows) {
    console.log(typeof r === 'string' ? `| ${name} | ${r} | - |`
      : `| ${name} | ${r.ms.toFixed(0)} | ${r.imagesPerSecond.toFixed(1)} |`);
  }
  const ours = rows[0][1] as Timing;
  const refs = rows.slice(1).map(([, r]) => r).filter((r): r is Timing => typeof r !== 'string');
  if (refs.length > 0) {
    const fastest = Math.min(...refs.map((r) => r.ms));
    console.log(`\nsparseland / faster PyTorch (time per round): ${(ours.ms / fastest).toFixed(2)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
