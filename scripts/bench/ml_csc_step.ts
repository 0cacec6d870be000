/**
 * The training step of every model of `sparseland reproduce ml-csc` with the published recipe
 * (batch 128 of MNIST digits in [0, 1], SGD with momentum and weight decay, 6 unfoldings), as a
 * multiple of the CNN's step measured in the same run: what the unfoldings cost over the forward
 * pass of the same filters, and the minutes an epoch of 469 batches takes; and against the
 * published networks in PyTorch (scripts/reference/ml_csc_mnist.py `--time-steps`, which has no
 * ML-LISTA) on as many threads.
 *
 * Run from the repository root: `npx tsc -p . && node dist/scripts/bench/ml_csc_step.js`
 * (options: `--runs N`, `--models cnn,ml-ista`, `--python PATH`, `--skip-reference`);
 * `SPARSELAND_WASM_THREADS` sets the wasm threads.
 */
import * as tf from '@tensorflow/tfjs';
import {parseArgs} from 'util';
import * as sl from '../../src/node';
import {medianStepMs, pytorchMs} from './timing';

const {values: args} = parseArgs({options: {
  runs: {type: 'string', default: '7'},
  warmup: {type: 'string', default: '2'},
  models: {type: 'string', default: sl.reproduce.ML_CSC_MODELS.join(',')},
  python: {type: 'string', default: '/usr/bin/python3'},
  'skip-reference': {type: 'boolean', default: false},
}});

async function main(): Promise<void> {
  const backend = await sl.backend.setBackend(undefined, {log: false});
  const threads = backend === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : 1;
  const recipe = sl.reproduce.ML_CSC_RECIPE;
  const batch = await sl.data.mnistFullDataset({split: 'train', size: 28}).take(recipe.batchSize);
  const x = tf.tidy(() => tf.div(tf.add(batch.images, 1), 2)) as tf.Tensor4D;
  const models = args.models.split(',') as sl.reproduce.MlCscModel[];
  const epochSteps = Math.ceil(recipe.trainDigits / recipe.batchSize);
  console.log(`ML-CSC training step on ${backend} (${threads} thread(s)), batch ${recipe.batchSize}, ` +
              `${recipe.unfoldings} unfoldings; median ms of ${args.runs} steps`);
  console.log(`| model | ms per step | × the CNN's step | minutes per epoch | PyTorch ms per step, ${threads} thread(s) | sparseland / PyTorch |`);
  console.log('|---|---|---|---|---|---|');
  const pytorch = args['skip-reference'] ? '—'
    : pytorchMs<Record<string, number>>(args.python, 'ml_csc_mnist.py', ['--time-steps', args.runs], threads, 'msPerStep');
  let cnnMs: number | undefined;
  for (const name of ['cnn', ...models.filter((m) => m !== 'cnn')] as sl.reproduce.MlCscModel[]) {
    const model = sl.reproduce.mlCscModel(name, 0);
    const optimizer = tf.train.momentum(recipe.learningRate, recipe.momentum);
    const ms = medianStepMs({
      step: () => sl.reproduce.trainingStep(model, optimizer, tf.clone(x), batch.labels as tf.Tensor1D, recipe.weightDecay).loss,
      dispose: () => undefined,
    }, Number(args.warmup), Number(args.runs));
    cnnMs ??= ms;
    if (models.includes(name)) {
      const reference = typeof pytorch === 'string' ? pytorch : pytorch[name] ?? '—';
      const ratio = typeof reference === 'number' ? (ms / reference).toFixed(2) : '—';
      console.log(`| ${name} | ${ms.toFixed(0)} | ${(ms / cnnMs).toFixed(2)} | ${(ms * epochSteps / 60000).toFixed(1)} | ` +
                  `${typeof reference === 'number' ? reference.toFixed(0) : reference} | ${ratio} |`);
    }
    model.dispose();
    optimizer.dispose();
  }
  tf.dispose([x, batch.images, batch.labels]);
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exitCode = 1;
});
