/**
 * A tour of the layers: a few minutes of real training on the default backend.
 *
 * 1. LISTA against ISTA and FISTA on the synthetic sparse-coding benchmark (A 250×500,
 *    10 %-sparse codes, 16 iterations/layers): a table of NMSE (dB).
 * 2. A convolutional sparse-coding stage with its tied decoder learning a dictionary on MNIST
 *    digits: a table of reconstruction PSNR and code sparsity per epoch, and the learned atoms
 *    and reconstructions as PNG pictures.
 *
 * Usage: node dist/scripts/demo.js [--out DIR] [--seconds S] [--backend NAME]
 */
import * as tf from '@tensorflow/tfjs';
import {promises as fs} from 'fs';
import * as path from 'path';
import {parseArgs} from 'util';
import * as sl from '../src/node';
import {loadMnist} from '../src/data/mnist';
import {nmseDb, syntheticLasso} from '../src/data/synthetic';
import {filtersAsImages} from '../src/io/grid';
import {writeImageGrid} from '../src/io/image_grid';
import {DenseDictionary, ista, powerIteration} from '../src/ops';

const {values: args} = parseArgs({options: {
  out: {type: 'string', default: 'out/demo'},
  seconds: {type: 'string', default: '75'},
  backend: {type: 'string'},
}});
const budget = Number(args.seconds);
if (!(budget > 0)) throw new Error(`demo: --seconds must be a positive number, got '${args.seconds}'`);

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  const line = (r: string[]) => `| ${r.map((c, j) => c.padStart(widths[j])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)]
    .join('\n');
}

async function listaAgainstIsta(seconds: number): Promise<Record<string, number>> {
  console.log('\n## 1. LISTA vs ISTA/FISTA: A 250×500, codes 10 % sparse, noiseless, 16 iterations\n');
  const T = 16;
  const lambda = 0.05;
  const problem = syntheticLasso({seed: 1});
  const test = problem.sample(1000);
  const op = new DenseDictionary(problem.A);
  const L = tf.tidy(() => powerIteration(op, tf.ones([1, problem.n]), 100).value.dataSync()[0]);
  const solve = (iterations: number, fista: boolean) =>
    tf.tidy(() => nmseDb(ista(op, test.x, {lambda, lipschitz: L, iterations, fista}), test.z));

  const evaluate = (model: tf.LayersModel) => tf.tidy(() => nmseDb(model.predict(test.x) as tf.Tensor, test.z));
  const results: Record<string, number> = {
    [`ISTA, ${T} iterations`]: solve(T, false),
    [`FISTA, ${T} iterations`]: solve(T, true),
  };
  // ALISTA learns 2T scalars over an analytic weight; LISTA-CP (tied) learns one matrix.
  for (const [variant, tied, lr, share] of [['alista', false, 5e-3, 0.5], ['listaCp', true, 1e-3, 0.5]] as const) {
    const model = tf.sequential({layers: [sl.layers.lista({dictionary: problem.A, lambda, iterations: T,
                                                           variant, tied, inputShape: [problem.m]})]});
    results[`${variant}${tied ? ' (tied)' : ''}, ${T} layers, initialised`] = evaluate(model);
    model.compile({optimizer: tf.train.adam(lr), loss: 'meanSquaredError'});
    const start = Date.now();
    let steps = 0;
    let lastReport = start;
    while (Date.now() - start < seconds * share * 1000) {
      const batch = problem.sample(64);
      await model.trainOnBatch(batch.x, batch.z);
      tf.dispose([batch.x, batch.z]);
      steps++;
      if (Date.now() - lastReport > 10000) {
        lastReport = Date.now();
        console.log(`  ${variant} step ${steps}: test NMSE ${evaluate(model).toFixed(2)} dB`);
      }
    }
    results[`${variant}${tied ? ' (tied)' : ''}, ${T} layers, after ${steps} Adam steps ` +
            `(${Math.round(seconds * share)} s)`] = evaluate(model);
    model.dispose();
  }
  results['ISTA, 1000 iterations (the LASSO solution)'] = solve(1000, false);
  console.log();
  console.log(table(['method', 'test NMSE (dB)'], Object.entries(results).map(([k, v]) => [k, v.toFixed(2)])));
  tf.dispose([problem.A, test.x, test.z]);
  return results;
}

async function cscOnMnist(seconds: number, out: string): Promise<Record<string, number>> {
  console.log('\n## 2. A CSC stage learning a dictionary on MNIST (32 atoms 7×7, 2 ISTA iterations, λ = 0.1)\n');
  const train = loadMnist({count: 2000});
  const test = loadMnist({count: 500, offset: 8000});
  const stage = sl.layers.cscStage({filters: 32, kernelSize: 7, iterations: 2, lambda: 0.1,
                                    trainableLambda: false, inputShape: [28, 28, 1]});
  const model = tf.sequential({layers: [stage, sl.layers.cscDecoder({tiedTo: stage})]});
  const encoder = tf.sequential({layers: [stage]});
  model.compile({optimizer: tf.train.adam(2e-3), loss: 'meanSquaredError'});
  const measure = () => tf.tidy(() => {
    const z = encoder.predict(test.images) as tf.Tensor;
    const mse = tf.mean(tf.square(tf.sub(model.predict(test.images) as tf.Tensor, test.images))).dataSync()[0];
    const active = tf.mean(tf.cast(tf.greater(z, 0), 'float32')).dataSync()[0];
    return {psnr: 10 * Math.log10(1 / mse), active};
  });
  const rows: (string | number)[][] = [];
  const record = (epoch: number, seconds: number) => {
    const {psnr, active} = measure();
    rows.push([epoch, seconds.toFixed(1), psnr.toFixed(2), (100 * active).toFixed(1)]);
    console.log(`  epoch ${epoch}: test PSNR ${psnr.toFixed(2)} dB, non-zero codes ${(100 * active).toFixed(1)} %`);
  };
  record(0, 0);
  const start = Date.now();
  let epoch = 0;
  while (Date.now() - start < seconds * 1000) {
    await model.fit(train.images, train.images, {epochs: 1, batchSize: 50, shuffle: true, verbose: 0});
    record(++epoch, (Date.now() - start) / 1000);
  }
  console.log();
  console.log(table(['epoch', 'seconds', 'test PSNR (dB)', 'non-zero codes (%)'], rows));
  const atoms = tf.tidy(() => filtersAsImages(stage.dictionary()));
  await writeImageGrid(path.join(out, 'atoms.png'), atoms, {columns: 8, scale: 6, gap: 2});
  const shown = tf.tidy(() => tf.concat([test.images.slice(0, 16),
                                         tf.clipByValue(model.predict(test.images.slice(0, 16)) as tf.Tensor4D, 0, 1)]));
  await writeImageGrid(path.join(out, 'reconstructions.png'), shown as tf.Tensor4D,
                       {columns: 16, scale: 3, gap: 2, normalize: [0, 1]});
  console.log(`\nwrote ${path.join(out, 'atoms.png')} (the 32 learned atoms) and ` +
              `${path.join(out, 'reconstructions.png')} (test digits above their reconstructions)`);
  const last = rows[rows.length - 1];
  tf.dispose([atoms, shown, train.images, train.labels, test.images, test.labels]);
  return {epochs: epoch, testPsnrDb: Number(last[2]), nonZeroPercent: Number(last[3])};
}

async function main(): Promise<void> {
  const backend = await sl.backend.setBackend(args.backend);
  console.log(`# sparseland ${sl.version} demo on the '${backend}' backend`);
  await fs.mkdir(args.out!, {recursive: true});
  const lista = await listaAgainstIsta(budget * 0.4);
  const csc = await cscOnMnist(budget * 0.6, args.out!);
  const file = path.join(args.out!, 'results.json');
  await fs.writeFile(`${file}.tmp`, JSON.stringify({backend, lista, csc}, null, 2));
  await fs.rename(`${file}.tmp`, file);
  console.log(`wrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
