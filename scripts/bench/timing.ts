/** Median wall time of a training step, and a per-kernel profile of one step. */
import * as tf from '@tensorflow/tfjs';
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
