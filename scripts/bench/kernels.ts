/**
 * Per-kernel timings of the convolution kernels on the shapes of the benchmark workloads: the
 * CSC encoder of workload A and the three layers of the published ML-CSC classifier at its batch
 * of 128. Every call gets freshly computed inputs (XNNPACK caches packed weights per tensor, and a
 * training step never repeats a gradient tensor); the median wall time of the kernel call alone
 * is printed, for the stock wasm kernels (where they exist) and sparseland's, and each gradient
 * kernel's time as a multiple of sparseland's Conv2D on the same shape (the same multiply-adds).
 *
 * Run from the repository root: `npm run build && node dist/scripts/bench/kernels.js`
 * (options: `--runs N`). With `SPARSELAND_WASM_THREADS=2` the wasm backend runs XNNPACK on two
 * threads.
 */
import * as tf from '@tensorflow/tfjs';
import {getThreadsCount} from '@tensorflow/tfjs-backend-wasm';
import {registerWasmKernels} from '../../src/backend/node';
import {registerThreadedWasm} from '../../src/backend/wasm/threads';

interface Shape {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid';
}

const SHAPES: Shape[] = [
  {name: 'A: 32x32x32x3, 3x3 → 64, stride 1', x: [32, 32, 32, 3], filter: [3, 3, 3, 64], stride: 1,
   pad: 'same'},
  {name: 'ML-CSC 1: 128x28x28x1, 6x6 → 32, stride 2', x: [128, 28, 28, 1], filter: [6, 6, 1, 32],
   stride: 2, pad: 'valid'},
  {name: 'ML-CSC 2: 128x12x12x32, 6x6 → 64, stride 2', x: [128, 12, 12, 32], filter: [6, 6, 32, 64],
   stride: 2, pad: 'valid'},
  {name: 'ML-CSC 3: 128x4x4x64, 4x4 → 512, stride 1', x: [128, 4, 4, 64], filter: [4, 4, 64, 512],
   stride: 1, pad: 'valid'},
];

interface Inputs {
  x: tf.Tensor;
  w: tf.Tensor;
  dy: tf.Tensor;
}

type Call = (s: Shape, t: Inputs) => tf.Tensor;

const CALLS: [string, Call][] = [
  ['Conv2D', (s, {x, w}) => tf.engine().runKernel(
    tf.Conv2D, {x, filter: w}, {strides: s.stride, pad: s.pad, dataFormat: 'NHWC',
                                dilations: 1}) as tf.Tensor],
  ['Conv2DBackpropFilter', (s, {x, dy}) => tf.engine().runKernel(
    tf.Conv2DBackpropFilter, {x, dy}, {strides: s.stride, pad: s.pad, dataFormat: 'NHWC',
                                       filterShape: s.filter}) as tf.Tensor],
  ['Conv2DBackpropInput', (s, {w, dy}) => tf.engine().runKernel(
    tf.Conv2DBackpropInput, {dy, filter: w}, {strides: s.stride, pad: s.pad, dataFormat: 'NHWC',
                                              inputShape: s.x}) as tf.Tensor],
];

/** Median ms of `call` over `runs` calls, each on fresh copies of the inputs. */
function medianMs(s: Shape, call: Call, runs: number): number | string {
  const x = tf.randomNormal(s.x);
  const w = tf.randomNormal(s.filter);
  const dy = tf.randomNormal(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s.stride, s.pad).shape);
  const times: number[] = [];
  try {
    for (let i = 0; i < runs + 2; i++) {
      const [xi, wi, dyi] = [x, w, dy].map((t) => tf.add(t, 0));
      const t0 = process.hrtime.bigint();
      const out = call(s, {x: xi, w: wi, dy: dyi});
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (i >= 2) times.push(ms);
      tf.dispose([xi, wi, dyi, out]);
    }
  } catch (e) {
    return (e as Error).message.includes('not registered') ? 'no kernel' : 'fails';
  } finally {
    tf.dispose([x, w, dy]);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--runs');
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 15;
  await registerThreadedWasm(Number(process.env.SPARSELAND_WASM_THREADS ?? 1));
  await tf.setBackend('wasm');
  const stock = SHAPES.map((s) => CALLS.map(([, call]) => medianMs(s, call, runs)));
  registerWasmKernels();
  await tf.setBackend('wasm');
  const ours = SHAPES.map((s) => CALLS.map(([, call]) => medianMs(s, call, runs)));
  const fmt = (v: number | string): string => typeof v === 'number' ? v.toFixed(2) : v;
  console.log(`median ms per kernel call (${runs} calls; wasm on ${getThreadsCount()} thread(s)); ` +
              'stock tfjs-wasm / sparseland');
  SHAPES.forEach((s, a) => {
    console.log(s.name);
    const conv = ours[a][0];
    CALLS.forEach(([name], b) => {
      const ratio = b > 0 && typeof conv === 'number' && typeof ours[a][b] === 'number'
        ? ` (${((ours[a][b] as number) / conv).toFixed(2)} × Conv2D)` : '';
      console.log(`  ${name.padEnd(22)} ${fmt(stock[a][b])} / ${fmt(ours[a][b])}${ratio}`);
    });
  });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
