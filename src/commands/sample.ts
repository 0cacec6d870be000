/**
 * `sparseland sample <run dir | pretrained:NAME> --per-class N --out FILE.png`: images of every
 * class decoded from features drawn on the class's principal subspace, one row per class.
 */
import {sampleCscCtrl} from '../../models/ctrl_sampling';
import {setBackend} from '../backend/node';
import {writeImageGrid} from '../io/image_grid';
import {openDataset} from '../train/ctrl_run';
import {loadTrainedModels} from '../train/trained_models';
import {CommandSpec} from './io';
import {backendFlag, FlagTable, integer} from './options';

/** What the flags of `sample` set. */
export interface SampleValues {
  perClass: number;
  out: string;
  data: string;
  trainImages: number;
  components: number;
  seed: number;
  backend: string;
}

/** The flags of `sample`. */
export const SAMPLE_FLAGS: FlagTable<SampleValues> = [
  {flags: '--per-class <n>', key: 'perClass', parse: integer(1), required: true, description: 'images per class'},
  {flags: '--out <file.png>', key: 'out', required: true, description: 'the PNG grid, one row per class'},
  {flags: '--data <dir>', key: 'data', default: "the run's data, else mnist",
   description: 'mnist, mnist-full or an image folder (DIR/train/<class>/*): the training features'},
  {flags: '--train-images <n>', key: 'trainImages', parse: integer(1), default: 'all',
   description: "training images whose features give the classes' subspaces"},
  {flags: '--components <k>', key: 'components', parse: integer(1), default: '10, at most the feature dimension − 1',
   description: "principal directions of each class's subspace"},
  {flags: '--seed <n>', key: 'seed', parse: integer(0), default: '0', description: 'seed of the drawn features'},
  backendFlag(),
];

/** `sparseland sample`. */
export const SAMPLE: CommandSpec<SampleValues> = {
  name: 'sample',
  summary: 'decode images of every class from features drawn on its subspace',
  description: "Decodes N features per class drawn from a Gaussian on the class's principal subspace of the training " +
               'features: a PNG grid with one row per class.',
  arguments: [['<run>', 'a run directory or pretrained:NAME']],
  flags: SAMPLE_FLAGS,
  run: async ([source], values, {io}) => {
    try {
      await setBackend(values.backend, {log: false});
      const run = await loadTrainedModels(source);
      const [h] = run.encoder.inputs[0].shape.slice(1) as number[];
      const train = await openDataset(values.data ?? run.data ?? 'mnist', h, 'train',
                                      {warn: io.err, cacheDir: run.cacheDir, shardSize: run.shardSize});
      const perClass = values.perClass!;
      const {images} = await sampleCscCtrl(run.encoder, run.decoder, {
        train, perClass, trainImages: values.trainImages, components: values.components, seed: values.seed,
      });
      await writeImageGrid(values.out!, images, {columns: perClass, normalize: [-1, 1], scale: 2});
      images.dispose();
      io.out(`wrote ${values.out}: ${perClass} samples of each of the ${train.classes.length} classes of ${train.name}, ` +
             `one row per class (${train.classes.join(', ')})`);
      return 0;
    } catch (e) {
      io.err(`sparseland sample: ${(e as Error).message}`);
      return 1;
    }
  },
};
