/**
 * Peak memory and time of one training step of a two-stage 64×64 colour CSC autoencoder
 * (64 atoms 3×3, then 128 atoms 3×3 with stride 2, 2 iterations each, tied decoders), with
 * and without gradient checkpointing, on the default backend. Peak bytes are `tf.profile`'s
 * (all live tensors during the step).
 *
 * Usage: node dist/scripts/bench/memory.js [--batch 8]
 */
import * as tf from '@tensorflow/tfjs';
import {parseArgs} from 'util';
import * as sl from '../../src/node';

const {values} = parseArgs({options: {batch: {type: 'string', default: '8'}}});
const batch = Number(values.batch);

async function measure(checkpoint: boolean): Promise<{peakMiB: number, seconds: number}> {
  const s1 = sl.layers.cscStage({filters: 64, kernelSize: 3, iterations: 2, checkpoint, inputShape: [64, 64, 3]});
  const s2 = sl.layers.cscStage({filters: 128, kernelSize: 3, strides: 2, iterations: 2, checkpoint});
  const model = tf.sequential({layers: [s1, s2, sl.layers.cscDecoder({tiedTo: s2}), sl.layers.cscDecoder({tiedTo: s1})]});
  model.compile({optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError'});
  const x = tf.randomNormal([batch, 64, 64, 3], 0, 1, 'float32', 1);
  await model.trainOnBatch(x, x);
  const before = tf.memory().numBytes;
  const start = Date.now();
  const info = await tf.profile(async () => { await model.trainOnBatch(x, x); });
  const seconds = (Date.now() - start) / 1000;
  tf.dispose(x);
  model.dispose();
  return {peakMiB: (info.peakBytes - before) / 2 ** 20, seconds};
}

async function main(): Promise<void> {
  const backend = await sl.backend.setBackend();
  console.log(`two-stage 64×64×3 CSC autoencoder, batch ${batch}, '${backend}' backend`);
  for (const checkpoint of [false, true]) {
    const {peakMiB, seconds} = await measure(checkpoint);
    console.log(`checkpoint ${String(checkpoint).padEnd(5)}: peak ${peakMiB.toFixed(0)} MiB ` +
                `(${(peakMiB / batch).toFixed(1)} MiB per image), ${seconds.toFixed(2)} s per step`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
