/**
 * `sparseland sample <run dir | pretrained:NAME> --per-class N --out FILE.png`: images of every
 * class decoded from features drawn on the class's principal subspace, one row per class.
 */
import {sampleCscCtrl} from '../../models/ctrl_sampling';
import {setBackend} from '../backend';
import {writeImageGrid} from '../io/image_grid';
import {openDataset} from '../train/ctrl_run';
import {loadTrainedModels} from '../train/trained_models';
import {CommandIo, numberOption, parseCommandLine} from './io';

export const SAMPLE_USAGE = `sparseland sample <run dir | pretrained:NAME> --per-class N --out FILE.png [--data mnist|mnist-full|DIR]
  [--train-images N] [--components K] [--seed N] [--backend NAME]
  decodes N features per class drawn from a Gaussian on the class's principal subspace (K directions;
  default 10, at most the feature dimension − 1) of the training features: a PNG grid with one row per class`;

const OPTIONS = {
  'per-class': {type: 'string'}, 'out': {type: 'string'}, 'data': {type: 'string'}, 'train-images': {type: 'string'},
  'components': {type: 'string'}, 'seed': {type: 'string'}, 'backend': {type: 'string'},
} as const;

export async function sampleCommand(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(args, OPTIONS, true);
  } catch (e) {
    return io.usage((e as Error).message);
  }
  if (parsed.positionals.length !== 1) return io.usage(`'sample' takes 1 argument, got ${parsed.positionals.length}`);
  const [source] = parsed.positionals;
  const values = parsed.values;
  if (values['per-class'] === undefined) return io.usage("'sample' needs --per-class N");
  if (values.out === undefined) return io.usage("'sample' needs --out FILE.png");
  const counts: Record<string, number | undefined> = {};
  for (const [flag, min] of [['per-class', 1], ['train-images', 1], ['components', 1], ['seed', 0]] as const) {
    if (values[flag] === undefined) continue;
    const n = numberOption(flag, values[flag], true, min);
    if (typeof n === 'string') return io.usage(n);
    counts[flag] = n;
  }
  try {
    await setBackend(values.backend, {log: false});
    const run = await loadTrainedModels(source);
    const [h] = run.encoder.inputs[0].shape.slice(1) as number[];
    const train = await openDataset(values.data ?? run.data ?? 'mnist', h, 'train',
                                    {warn: io.err, cacheDir: run.cacheDir, shardSize: run.shardSize});
    const perClass = counts['per-class']!;
    const {images} = await sampleCscCtrl(run.encoder, run.decoder, {
      train, perClass, trainImages: counts['train-images'], components: counts['components'], seed: counts['seed'],
    });
    await writeImageGrid(values.out, images, {columns: perClass, normalize: [-1, 1], scale: 2});
    images.dispose();
    io.out(`wrote ${values.out}: ${perClass} samples of each of the ${train.classes.length} classes of ${train.name}, ` +
           `one row per class (${train.classes.join(', ')})`);
    return 0;
  } catch (e) {
    io.err(`sparseland sample: ${(e as Error).message}`);
    return 1;
  }
}
