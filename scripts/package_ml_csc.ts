/**
 * Packages a model of a `sparseland reproduce ml-csc` run as a pretrained classifier: copies its
 * trained model to `pretrained/<name>/model/`, measures its accuracy on the 10,000 standard test
 * digits, and writes `info.json` (the recipe, the command, the accuracy after every epoch).
 *
 * Usage: node dist/scripts/package_ml_csc.js <run dir> <model, e.g. cnn> <name> "<command>"
 */
import * as tf from '@tensorflow/tfjs';
import {promises as fs, readFileSync} from 'fs';
import * as path from 'path';
import * as sl from '../src/node';
import {pretrainedDir} from '../src/pretrained/node';

async function run(): Promise<void> {
  const [dir, model, name, command] = process.argv.slice(2);
  if (!dir || !model || !name || !command) throw new Error('usage: package_ml_csc <run dir> <model> <name> "<command>"');
  if (!(sl.reproduce.ML_CSC_MODELS as readonly string[]).includes(model)) {
    throw new Error(`package_ml_csc: model must be one of ${sl.reproduce.ML_CSC_MODELS.join(', ')}, got '${model}'`);
  }
  await sl.backend.setBackend(undefined, {log: false});
  const state = JSON.parse(readFileSync(path.join(dir, model, 'state.json'), 'utf8')) as
    {done: boolean; epochs: number; trainDigits: number; recipe: sl.reproduce.MlCscRecipe; history: sl.reproduce.EpochRecord[]};
  if (!state.done) throw new Error(`'${path.join(dir, model)}' has not finished training`);
  const source = path.join(dir, model, 'model');
  const classifier = await tf.loadLayersModel(new sl.io.FileSystemHandler(path.join(source, 'model.json')));
  const testAccuracy = await sl.reproduce.testAccuracy(classifier, sl.data.mnistFullDataset({split: 'test', size: 28}));

  const target = path.join(pretrainedDir(), name);
  await fs.rm(target, {recursive: true, force: true});
  await fs.mkdir(target, {recursive: true});
  await fs.cp(source, path.join(target, 'model'), {recursive: true});
  const bytes = (await fs.readdir(path.join(target, 'model'))).reduce((s, f) => s + readFileSync(path.join(target, 'model', f)).byteLength, 0);
  const {epochs, trainDigits, recipe, history} = state;
  const info = {
    description: `${sl.reproduce.ML_CSC_LABEL[model as sl.reproduce.MlCscModel]} of the ML-CSC comparison (filters 32×1×6×6 s2, 64×32×6×6 s2, 512×64×4×4 s1, ` +
                 `${model === 'cnn' ? 'the CNN forward pass' : `${recipe.unfoldings} unfoldings`}, a linear classifier on the ` +
                 `512 features), trained by 'sparseland reproduce ml-csc' for ${epochs} epochs on ${trainDigits} MNIST digits ` +
                 `(${epochs === sl.reproduce.ML_CSC_RECIPE.epochs ? 'the published recipe' : 'the published recipe with its step decay compressed to the epochs'}); ` +
                 'input: digits [batch, 28, 28, 1] in [0, 1]; output: class probabilities [batch, 10]',
    command,
    model,
    recipe: {...recipe, epochs, trainDigits},
    training: {minutes: history.reduce((sum, r) => sum + r.seconds, 0) / 60, history},
    evaluation: {digits: 10000, testAccuracy,
                 command: `node dist/scripts/package_ml_csc.js ${process.argv.slice(2, 5).join(' ')} "<command>"`},
    bytes,
  };
  await fs.writeFile(path.join(target, 'info.json'), JSON.stringify(info, null, 1) + '\n');
  console.log(`wrote ${target}: test accuracy ${testAccuracy.toFixed(2)} %, model ${bytes} bytes`);
  classifier.dispose();
}

if (require.main === module) {
  run().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
