/**
 * Packages a variant of a `sparseland reproduce lista` run as a pretrained sparse coder: copies
 * its trained model to `pretrained/<name>/model/` (with `dictionary.bin` where the model does
 * not hold its dictionary), measures its NMSE per layer on 1,000 codes drawn from its dictionary
 * with a seed that neither training nor the run's test used, and writes `info.json`.
 *
 * Usage: node dist/scripts/package_lista.js <run dir> <variant folder, e.g. alista> <name> "<command>"
 */
import * as tf from '@tensorflow/tfjs';
import {promises as fs, readFileSync} from 'fs';
import * as path from 'path';
import * as sl from '../src/node';
import {Lista} from '../layers/lista';
import {pretrainedDir} from '../src/pretrained/node';

/** The seed of the packaged measurement's codes. */
export const PACKAGE_TEST_SEED = 2_000_003;

async function run(): Promise<void> {
  const [dir, slug, name, command] = process.argv.slice(2);
  if (!dir || !slug || !name || !command) throw new Error('usage: package_lista <run dir> <variant folder> <name> "<command>"');
  await sl.backend.setBackend(undefined, {log: false});
  const state = JSON.parse(readFileSync(path.join(dir, slug, 'state.json'), 'utf8')) as
    {m: number; n: number; layers: number; snr: number | 'inf'; seed: number; minutes: number | null; done: boolean;
     phases: {seconds: number; iterations: number}[]};
  if (!state.done) throw new Error(`'${path.join(dir, slug)}' has not finished training`);
  const source = path.join(dir, slug, 'model');
  const model = await tf.loadLayersModel(new sl.io.FileSystemHandler(path.join(source, 'model.json')));
  const layer = model.layers[0] as Lista;
  const {m, n, snr, seed} = state;
  const {p} = sl.reproduce.LISTA_BENCHMARK;
  const training = sl.data.syntheticLasso({m, n, p, seed, snr: snr === 'inf' ? Infinity : snr});
  const test = sl.data.syntheticLasso({dictionary: training.A, p, seed: PACKAGE_TEST_SEED, snr: snr === 'inf' ? Infinity : snr})
    .sample(1000);
  const nmseDb = sl.reproduce.nmsePerLayer(layer, test.x, test.z);

  const target = path.join(pretrainedDir(), name);
  await fs.rm(target, {recursive: true, force: true});
  await fs.mkdir(target, {recursive: true});
  await fs.cp(source, path.join(target, 'model'), {recursive: true});
  if (!layer.fixedDictionary) await fs.writeFile(path.join(target, 'dictionary.bin'), Buffer.from((await training.A.data()).buffer));
  const bytes = (await fs.readdir(path.join(target, 'model'))).reduce((s, f) => s + readFileSync(path.join(target, 'model', f)).byteLength, 0);
  const trainedMinutes = state.phases.reduce((s, r) => s + r.seconds, 0) / 60;
  const info = {
    description: `${layer.variant} with ${layer.iterations} layers for the ${m}×${n} sparse-coding benchmark ` +
                 `(A_ij ~ N(0, 1/M), unit-norm columns, Bernoulli(${p}) × N(0, 1) codes, SNR ${snr}), ` +
                 `trained stage-wise by 'sparseland reproduce lista' for ${trainedMinutes.toFixed(0)} minutes ` +
                 `(${state.minutes === null ? 'the published recipe' : 'a time-budgeted version of the published recipe'})`,
    command,
    variant: layer.variant,
    recipe: {...sl.reproduce.LISTA_BENCHMARK, m, n, layers: state.layers, snr, seed, minutes: state.minutes},
    dictionaryShape: [m, n],
    dictionarySeed: seed,
    training: {minutes: trainedMinutes,
               steps: state.phases.reduce((s, r) => s + r.iterations, 0)},
    evaluation: {codes: 1000, seed: PACKAGE_TEST_SEED, nmseDb,
                 command: `node dist/scripts/package_lista.js ${process.argv.slice(2, 5).join(' ')} "<command>"`},
    bytes,
  };
  await fs.writeFile(path.join(target, 'info.json'), JSON.stringify(info, null, 1) + '\n');
  console.log(`wrote ${target}: NMSE after ${layer.iterations} layers ${nmseDb[nmseDb.length - 1].toFixed(2)} dB, model ${bytes} bytes`);
  tf.dispose([training.A, test.x, test.z]);
  model.dispose();
}

if (require.main === module) {
  run().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
