/**
 * Benchmark driver: times one training step of workload A (CSC encoder), A' (A's shapes through
 * the `cscStage` layer) and C (16-layer LISTA) on stock tfjs-wasm, on wasm with sparseland's
 * kernels and on the cpu backend, runs the PyTorch reference of the same networks in a
 * subprocess (on 1 and on 2 threads), and prints the table, the ratio to the faster PyTorch
 * run and a per-kernel profile of sparseland's step.
 *
 * Run from the repository root: `npm run build && node dist/scripts/bench/run.js`
 * (options: `--runs N`, `--skip-cpu`, `--python PATH`). With `SPARSELAND_WASM_THREADS=2` the
 * wasm backend (stock and sparseland alike) runs XNNPACK on two threads.
 */
import * as tf from '@tensorflow/tfjs';
import {getThreadsCount} from '@tensorflow/tfjs-backend-wasm';
import {registerWasmKernels} from '../../src/backend/node';
import {registerThreadedWasm} from '../../src/backend/wasm/threads';
import {cscLayerStep} from './csc_layer_step';
import {TrainingStep, cscStep} from './csc_step';
import {listaStep} from './lista_step';
import {KernelTime, medianStepMs, profileStep, pytorchMs} from './timing';

interface Workload {
  name: string;
  make: () => TrainingStep;
  reference: string;
}

const WORKLOADS: Workload[] = [
  {name: 'A: CSC encoder step', make: cscStep, reference: 'bench_csc_step.py'},
  {name: "A': cscStage layer step", make: cscLayerStep, reference: 'bench_csc_layer_step.py'},
  {name: 'C: LISTA-16 step', make: listaStep, reference: 'bench_lista_step.py'},
];

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Times `make()`'s step; a step that throws is reported as the error's first line. */
function time(make: () => TrainingStep, warmup: number, runs: number): number | string {
  let step: TrainingStep | undefined;
  try {
    step = make();
    return medianStepMs(step, warmup, runs);
  } catch (e) {
    return `fails (${(e as Error).message.split('\n')[0].slice(0, 80)})`;
  } finally {
    step?.dispose();
  }
}

/** Median milliseconds of the PyTorch reference on `threads` threads. */
function pytorch(script: string, runs: number, python: string, threads: number): number | string {
  return pytorchMs(python, script, ['--runs', String(runs)], threads, 'median_ms');
}

const fmt = (v: number | string): string => typeof v === 'number' ? v.toFixed(1) : v;

function printProfile(name: string, kernels: KernelTime[]): void {
  const total = kernels.reduce((s, k) => s + k.ms, 0);
  console.log(`\nprofile of one sparseland wasm step, ${name} (kernel time ${total.toFixed(1)} ms):`);
  for (const k of kernels.slice(0, 12)) {
    console.log(`  ${k.name.padEnd(30)} ${String(k.calls).padStart(5)} calls ` +
                `${k.ms.toFixed(1).padStart(8)} ms ${(100 * k.ms / total).toFixed(1).padStart(5)} %`);
  }
}

async function main(): Promise<void> {
  const runs = Number(option('--runs') ?? 10);
  const python = option('--python') ?? '/usr/bin/python3';
  const skipCpu = process.argv.includes('--skip-cpu');
  const rows: Record<string, Record<string, number | string>> = {};
  for (const w of WORKLOADS) rows[w.name] = {};

  await registerThreadedWasm(Number(process.env.SPARSELAND_WASM_THREADS ?? 1));
  await tf.setBackend('wasm');
  const stockThreads = getThreadsCount();
  for (const w of WORKLOADS) rows[w.name]['stock tfjs-wasm'] = time(w.make, 1, Math.min(runs, 3));
  registerWasmKernels();
  await tf.setBackend('wasm');
  const profiles: [string, KernelTime[]][] = [];
  for (const w of WORKLOADS) {
    rows[w.name]['sparseland wasm'] = time(w.make, 2, runs);
    const step = w.make();
    step.step();
    profiles.push([w.name, await profileStep(step)]);
    step.dispose();
  }
  if (!skipCpu) {
    await tf.setBackend('cpu');
    for (const w of WORKLOADS) rows[w.name]['tfjs cpu'] = time(w.make, 1, 3);
  }
  for (const w of WORKLOADS) {
    for (const threads of [1, 2]) {
      rows[w.name][`PyTorch cpu ${threads}T`] = pytorch(w.reference, runs, python, threads);
    }
  }

  const columns = ['stock tfjs-wasm', 'sparseland wasm', 'tfjs cpu', 'PyTorch cpu 1T', 'PyTorch cpu 2T'];
  console.log(`\nmedian ms per training step (${runs} runs; wasm on ${stockThreads} thread(s))`);
  console.log(['workload', ...columns, 'sparseland / faster PyTorch'].join(' | '));
  for (const w of WORKLOADS) {
    const r = rows[w.name];
    const ours = r['sparseland wasm'];
    const refs = [r['PyTorch cpu 1T'], r['PyTorch cpu 2T']].filter((v) => typeof v === 'number');
    const ratio = typeof ours === 'number' && refs.length > 0
      ? (ours / Math.min(...refs as number[])).toFixed(2) : '-';
    console.log([w.name, ...columns.map((c) => fmt(r[c] ?? '-')), ratio].join(' | '));
  }
  for (const [name, kernels] of profiles) printProfile(name, kernels);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
