/** Median wall time of a training step, a per-kernel profile of one step, and PyTorch's time for a reference script. */
import * as tf from '@tensorflow/tfjs';
import {execFileSync} from 'child_process';
import * as path from 'path';
import type {TrainingStep} from './csc_step';

/** Median of `runs` timed steps in milliseconds, after `warmup` untimed ones. */
export function medianStepMs(step: TrainingStep, warmup: number, runs: number): number {
  for (let i = 0; i < warmup; i++) step.step();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    step.step();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

export interface KernelTime {
  name: string;
  calls: number;
  ms: number;
}

/** Total time per kernel name over one step, as the engine's profiler reports it. */
export async function profileStep(step: TrainingStep): Promise<KernelTime[]> {
  const info = await tf.profile(() => {
    step.step();
  });
  const byName = new Map<string, KernelTime>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const entry = byName.get(k.name) ?? {name: k.name, calls: 0, ms: 0};
    entry.calls += 1;
    entry.ms += ms;
    byName.set(k.name, entry);
  }
  return [...byName.values()].sort((a, b) => b.ms - a.ms);
}

/**
 * Runs `scripts/reference/<script>` with `args` and `--threads N` under `python` (torch and
 * OpenBLAS on `threads` threads, OpenBLAS's tuning variables unset) and returns the entry `field`
 * of the JSON object on its last line (milliseconds, or milliseconds by name), or why it failed.
 */
export function pytorchMs<T = number>(python: string, script: string, args: string[], threads: number, field: string): T | string {
  const env = {...process.env};
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  // torch.set_num_threads does not bound the OpenBLAS that Debian's torch calls for products.
  env.OPENBLAS_NUM_THREADS = String(threads);
  try {
    const out = execFileSync(python, [path.resolve('scripts/reference', script), ...args, '--threads', String(threads)],
                             {env, encoding: 'utf8'});
    return JSON.parse(out.trim().split('\n').pop()!)[field] as T;
  } catch (e) {
    return `fails (${(e as Error).message.split('\n')[0].slice(0, 80)})`;
  }
}
