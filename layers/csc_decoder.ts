/**
 * The synthesis (decoder) side of a convolutional sparse-coding stage (docs/math.md §3).
 */
import * as tf from '@tensorflow/tfjs';
import {ConvDictionary, ConvPadding} from '../src/ops/dictionary';
import {normalizeAtoms} from '../src/ops/normalize';
import {BaseLayerArgs, Initializer, InitializerArg, nhwcShape, serializeInitializer, toInitializer} from '../src/util/layer_args';
import * as v from '../src/util/validate';
import {CscStage} from './csc_stage';
import {registerLayer} from './register';

const NAME = 'cscDecoder';

/** The stages that ties resolve to while {@link loadTiedTo} runs. */
let resolving: CscStage[] | undefined;

/** The CSC stages of a model, nested models included. */
function stagesOf(model: tf.LayersModel): CscStage[] {
  return model.layers.flatMap((layer) => (layer instanceof tf.LayersModel ? stagesOf(layer)
    : layer instanceof CscStage ? [layer] : []));
}

/**
 * Runs `load` (a `tf.loadLayersModel` of a decoder) so that the tied decoders it creates tie
 * to the stages of `encoder`, whatever else was loaded or created before or since:
 * `await loadTiedTo(encoder, () => tf.loadLayersModel('file://dec/model.json'))`.
 */
export async function loadTiedTo<T>(encoder: tf.LayersModel, load: () => Promise<T>): Promise<T> {
  const outer = resolving;
  resolving = stagesOf(encoder);
  try {
    return await load();
  } finally {
    resolving = outer;
  }
}

export interface CscDecoderLayerArgs extends BaseLayerArgs {
  /**
   * The stage whose dictionary this decoder uses (tied): the stage object, or its layer name.
   * The tie is saved as the stage's name and identity (`CscStage.tieId`); a loaded decoder ties
   * to the stage of that identity: inside {@link loadTiedTo}, the one in the given encoder,
   * otherwise the newest stage of that identity in the process (load the encoder first).
   */
  tiedTo?: CscStage | string | {name: string; id?: string};
  /** Untied: channels of the output image `C_img`. Required unless `tiedTo` is given. */
  filters?: number;
  /** Untied: atom size, a number or `[kh, kw]`. Default 3. */
  kernelSize?: number | [number, number];
  /** Untied: stride, a number or `[sh, sw]`. Default 1. */
  strides?: number | [number, number];
  /** Untied: `'same'` or `'valid'`. Default `'same'`. */
  padding?: ConvPadding;
  /** Untied: normalise every atom to unit norm in each pass. Default true. */
  normalizeAtoms?: boolean;
  /** Untied: initializer of the filters (name, instance or saved form). Default `'glorotNormal'`. */
  kernelInitializer?: InitializerArg;
  /**
   * Spatial size `[H, W]` of the output. Default: the tied stage's input size, else
   * `code size × stride` ('same') or `(code size − 1) × stride + kernel` ('valid').
   */
  outputSize?: [number, number];
}

/**
 * Synthesis `x̂ = A ⊛ z = conv2dTranspose(z, W)`: with `tiedTo`, `W` is the (normalised)
 * dictionary of a {@link CscStage} (its last iteration's when untied), read at every call so
 * the decoder and encoder train one set of weights; otherwise the decoder has its own filters
 * `[kh, kw, C_img, C_code]`. Input the code `[batch, H', W', C_code]`, output
 * `[batch, H, W, C_img]`.
 */
export class CscDecoder extends tf.layers.Layer {
  static className = 'CscDecoder';

  readonly tiedName: string | undefined;
  /** The saved tie's stage identity (`CscStage.tieId`), to resolve; absent in ties saved before identities existed. */
  readonly tiedId: string | undefined;
  readonly filters: number | undefined;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: ConvPadding;
  readonly normalize: boolean;
  readonly outputSize: [number, number] | undefined;
  readonly kernelInitializer: Initializer | undefined;
  private stage: CscStage | undefined;
  private kernel: tf.LayerVariable | null = null;

  constructor(args: CscDecoderLayerArgs) {
    super(args as tf.serialization.ConfigDict);
    const tied = args.tiedTo;
    if (tied !== undefined) {
      const byName = typeof tied === 'string' ? tied : (tied as {name?: unknown})?.name;
      if (!(tied instanceof CscStage) && typeof byName !== 'string') {
        v.reject(NAME, 'tiedTo', 'a cscStage layer or its name', tied);
      }
      for (const key of ['filters', 'kernelSize', 'strides', 'padding', 'normalizeAtoms', 'kernelInitializer'] as const) {
        if (args[key] !== undefined) {
          v.reject(NAME, key, 'left unset when tiedTo is given (the stage defines it)', args[key]);
        }
      }
      this.stage = tied instanceof CscStage ? tied : undefined;
      this.tiedName = tied instanceof CscStage ? tied.name : byName as string;
      const id = tied instanceof CscStage ? undefined : (tied as {id?: unknown}).id;
      if (id !== undefined && typeof id !== 'string') v.reject(NAME, 'tiedTo.id', "a stage's tieId", id);
      this.tiedId = id as string | undefined;
      this.filters = undefined;
      this.kernelSize = this.stage?.kernelSize ?? [1, 1];
      this.strides = this.stage?.strides ?? [1, 1];
      this.padding = this.stage?.padding ?? 'same';
      this.normalize = this.stage?.normalize ?? true;
      this.kernelInitializer = undefined;
    } else {
      this.tiedName = undefined;
      this.tiedId = undefined;
      this.filters = v.positiveInt(NAME, 'filters', args.filters);
      this.kernelSize = v.pair(NAME, 'kernelSize', args.kernelSize ?? 3);
      this.strides = v.pair(NAME, 'strides', args.strides ?? 1);
      this.padding = v.oneOf(NAME, 'padding', args.padding ?? 'same', ['same', 'valid'] as const);
      this.normalize = v.bool(NAME, 'normalizeAtoms', args.normalizeAtoms ?? true);
      this.kernelInitializer = toInitializer(NAME, 'kernelInitializer', args.kernelInitializer ?? 'glorotNormal');
    }
    this.outputSize = args.outputSize === undefined ? undefined : v.pair(NAME, 'outputSize', args.outputSize);
  }

  /** The stage this decoder is tied to (resolved by its saved identity on first use after loading). */
  tiedStage(): CscStage | undefined {
    if (this.tiedName !== undefined && this.stage === undefined) {
      this.stage = CscStage.find({name: this.tiedName, id: this.tiedId}, resolving);
      if (this.stage === undefined) {
        throw new Error(`${NAME}: tiedTo stage '${this.tiedName}' not found` +
                        (resolving ? " in the encoder given to loadTiedTo" : ': create or load the model that holds it before the decoder'));
      }
    }
    return this.stage;
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = nhwcShape(NAME, inputShape);
    const stage = this.tiedStage();
    if (stage) {
      if (!stage.built) {
        throw new Error(`${NAME}: tiedTo stage '${stage.name}' must be built (called on an input) ` +
                        'before the decoder');
      }
      if (shape[3] !== stage.filters) {
        throw new Error(`${NAME}: input channels must be the tied stage's ${stage.filters} atoms, ` +
                        `got ${shape[3]}`);
      }
    } else {
      this.kernel = this.addWeight('kernel', [...this.kernelSize, this.filters!, shape[3]], 'float32',
                                   this.kernelInitializer);
    }
    this.built = true;
  }

  /** The synthesis filters `[kh, kw, C_img, C_code]` this decoder applies. */
  dictionary(): tf.Tensor4D {
    const stage = this.tiedStage();
    if (stage) return stage.dictionary(stage.tied ? 0 : stage.iterations);
    const w = this.kernel!.read() as tf.Tensor4D;
    return this.normalize ? normalizeAtoms(w) : w;
  }

  private geometry(): {strides: [number, number], padding: ConvPadding, kernelSize: [number, number]} {
    const stage = this.tiedStage();
    return stage ?? this;
  }

  private signalSize(codeSize: (number | null)[]): [number | null, number | null] {
    if (this.outputSize) return this.outputSize;
    const stage = this.tiedStage();
    if (stage && stage.inputSize[0] != null && stage.inputSize[1] != null) return stage.inputSize;
    const {strides, padding, kernelSize} = this.geometry();
    return [0, 1].map((i) => (codeSize[i] == null ? null : padding === 'same'
      ? codeSize[i]! * strides[i] : (codeSize[i]! - 1) * strides[i] + kernelSize[i])) as [number, number];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const z = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.tidy(() => {
      const {strides, padding} = this.geometry();
      const size = this.signalSize([z.shape[1], z.shape[2]]) as [number, number];
      return new ConvDictionary(this.dictionary(), strides, padding, size).synthesis(z);
    });
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const stage = this.tiedStage();
    const channels = stage ? stage.inputChannels : this.filters!;
    return [shape[0], ...this.signalSize([shape[1], shape[2]]), channels];
  }

  getConfig(): tf.serialization.ConfigDict {
    // The tie is saved as {name}: tfjs keeps 'name' values verbatim but camel-cases other strings.
    const id = this.stage?.tieId ?? this.tiedId;
    const tie = {name: this.tiedName!, ...(id !== undefined ? {id} : {})};
    const own: tf.serialization.ConfigDict = this.tiedName !== undefined ? {tiedTo: tie} : {
      filters: this.filters!, kernelSize: this.kernelSize, strides: this.strides,
      padding: this.padding, normalizeAtoms: this.normalize,
      kernelInitializer: serializeInitializer(this.kernelInitializer!),
    };
    return {...super.getConfig(), ...own, ...(this.outputSize ? {outputSize: this.outputSize} : {})};
  }
}
registerLayer(CscDecoder);

/**
 * The decoder of a convolutional sparse-coding stage: `x̂ = A ⊛ z` with the stage's own
 * dictionary (`cscDecoder({tiedTo: stage})`, one set of weights for both) or separate filters
 * (`cscDecoder({filters: C_img, kernelSize, strides})`).
 *
 * Input `[batch, H', W', C_code]`; output `[batch, H, W, C_img]`.
 */
export function cscDecoder(args: CscDecoderLayerArgs): CscDecoder {
  return new CscDecoder(args);
}
