/**
 * The LISTA family (docs/math.md §2): `T` iterations of a sparse-coding algorithm unrolled into one
 * layer with learned weights, mapping signals `x ∈ R^M` to codes `z ∈ R^N`.
 */
import * as tf from '@tensorflow/tfjs';
import {
  alistaWeight, Matrix, matMul, spectralNormSquared, toMatrix, toTensor, transpose,
} from '../src/ops/linalg';
import {normalizeAtoms} from '../src/ops/normalize';
import {softThreshold} from '../src/ops/thresholds';
import {withoutGradient} from '../src/ops/stop_gradient';
import {BaseLayerArgs} from '../src/util/layer_args';
import {bool, nonNegNumber, oneOf, positiveInt, positiveNumber, reject} from '../src/util/validate';
import {registerLayer} from './register';

/** The unrolled algorithms, in the order of the literature: plain LISTA, LISTA-CP, LISTA-CP with support selection, ALISTA. */
export const LISTA_VARIANTS = ['lista', 'listaCp', 'listaCpss', 'alista'] as const;

/** One of {@link LISTA_VARIANTS}. */
export type ListaVariant = typeof LISTA_VARIANTS[number];

/** Support selection schedule, in percent: iteration `k` (1-based) uses `min(k·p, pMax)`. */
export interface SupportSelection {
  /** Growth per iteration of the percentage of entries that bypass the shrinkage. */
  p: number;
  /** Largest percentage. */
  pMax: number;
}

export interface ListaLayerArgs extends BaseLayerArgs {
  /**
   * The unrolled algorithm: `'lista'`, `'listaCp'` (coupled), `'listaCpss'` (coupled, with
   * support selection) or `'alista'` (analytic weight, support selection). Default `'lista'`.
   */
  variant?: ListaVariant;
  /** `T`, the number of unrolled iterations. Default 16. */
  iterations?: number;
  /** `N`, the code dimension. Required without `dictionary`; equal to its column count with it. */
  units?: number;
  /**
   * The dictionary `A` (`M × N`, atoms as columns) that the weights are initialised from (its
   * values are copied). Without it, `A` is drawn with entries `N(0, 1/M)` and unit-norm
   * columns, `M` taken from the input shape. It sets the input shape to `[M]` when none is
   * given. Default none.
   */
  dictionary?: tf.Tensor2D | number[][];
  /** `λ`, the ℓ1 weight of the LASSO the initialisation solves: thresholds start at `λ/L`. Default 0.1. */
  lambda?: number;
  /**
   * The Lipschitz constant `L ≥ ‖A‖₂²` of the initialisation (step `1/L`). Default
   * `1.001·‖A‖₂²`, computed by power iteration.
   */
  lipschitz?: number;
  /**
   * One set of matrices shared by all iterations (`true`) or one set per iteration (`false`).
   * Thresholds (and ALISTA's step sizes) are per iteration either way; `'alista'` learns no
   * matrices and takes only `false`. Default false.
   */
  tied?: boolean;
  /**
   * Support selection schedule in percent, `{p, pMax}` or `[p, pMax]`, with
   * `0 < p ≤ pMax ≤ 100`; only for `'listaCpss'` and `'alista'`. Default `{p: 1.2, pMax: 13}`.
   */
  supportSelection?: SupportSelection | [number, number];
}

const OWNER = 'lista';

/**
 * The LISTA family of unrolled sparse coders, one iteration per step `k = 0, …, T−1` from
 * `z⁰ = 0`, on rows (`x` is `[batch, M]`, `z` is `[batch, N]`):
 *
 * - `'lista'`: `z^{k+1} = S_{θ^k}(W_e x + S z^k)`, initialised `W_e = Aᵀ/L`, `S = I − AᵀA/L`;
 *   weights `We` (`[M, N]`, holding `W_eᵀ`) and `S` (`[N, N]`, holding `Sᵀ`), no `S` for the
 *   first iteration, where `z⁰ = 0`.
 * - `'listaCp'`: `z^{k+1} = S_{θ^k}(z^k + (W^k)ᵀ(x − A z^k))`, `W^k` (`[M, N]`) initialised
 *   `A/L`; `A` is a fixed (non-trainable) weight.
 * - `'listaCpss'`: LISTA-CP with support selection `η^{ss}` in place of `S`.
 * - `'alista'`: `z^{k+1} = η^{ss}_{θ^k}(z^k − γ^k W̃ᵀ(A z^k − x))` with the fixed analytic
 *   `W̃ = argmin ‖WᵀA‖_F² s.t. diag(W̃ᵀA) = 1` (see `alistaWeight`); only the `2T` scalars
 *   `γ^k` (initialised `1/L`) and `θ^k` are learned.
 *
 * `S_θ` is the soft threshold; the thresholds `θ^k` are one weight `theta` of shape `[T]`,
 * initialised `λ/L` and kept non-negative. Support selection `η^{ss}_θ` at iteration `k+1`
 * lets the entries among the `⌊p^{k+1} N / 100⌋` largest magnitudes of each sample that also
 * exceed `θ` pass unshrunk, with `p^k = min(k·p, p_max)` percent, and soft-thresholds the
 * rest; the selection mask carries no gradient.
 *
 * At its initialisation, `'lista'` and `'listaCp'` compute exactly `T` ISTA steps for
 * `min ½‖x − A z‖² + λ‖z‖₁` with step `1/L`.
 */
export class Lista extends tf.layers.Layer {
  static className = 'Lista';
  readonly variant: ListaVariant;
  readonly iterations: number;
  readonly units: number;
  readonly lambda: number;
  readonly lipschitz?: number;
  readonly tied: boolean;
  readonly supportSelection?: SupportSelection;
  private readonly initialDictionary?: Matrix;
  private theta!: tf.LayerVariable;
  private gamma?: tf.LayerVariable;
  private dictionary?: tf.LayerVariable;
  private analysis: tf.LayerVariable[] = [];
  private lateral: tf.LayerVariable[] = [];

  constructor(args: ListaLayerArgs) {
    const a = args.dictionary == null ? undefined : toMatrix(args.dictionary, OWNER, 'dictionary');
    const impliedShape = a !== undefined && args.inputShape == null && args.batchInputShape == null;
    super(impliedShape ? {...args, inputShape: [a.rows]} : args);
    this.initialDictionary = a;
    this.variant = oneOf(OWNER, 'variant', args.variant ?? 'lista', LISTA_VARIANTS);
    this.iterations = positiveInt(OWNER, 'iterations', args.iterations ?? 16);
    if (a === undefined) {
      if (args.units == null) reject(OWNER, 'units', 'given when there is no dictionary', args.units);
      this.units = positiveInt(OWNER, 'units', args.units);
    } else {
      if (args.units != null && args.units !== a.cols) {
        reject(OWNER, 'units', `the dictionary's column count ${a.cols}`, args.units);
      }
      this.units = a.cols;
      const shape = args.inputShape ?? args.batchInputShape?.slice(1);
      if (shape != null && (shape.length !== 1 || shape[0] !== a.rows)) {
        reject(OWNER, 'inputShape', `[${a.rows}] for a dictionary with ${a.rows} rows`, shape);
      }
      if (this.variant === 'alista' && a.rows > a.cols) {
        reject(OWNER, 'dictionary', 'M × N with M ≤ N for \'alista\'', `shape [${a.rows}, ${a.cols}]`);
      }
    }
    this.lambda = nonNegNumber(OWNER, 'lambda', args.lambda ?? 0.1);
    if (args.lipschitz != null) this.lipschitz = positiveNumber(OWNER, 'lipschitz', args.lipschitz);
    this.tied = bool(OWNER, 'tied', args.tied ?? false);
    if (this.tied && this.variant === 'alista') {
      reject(OWNER, 'tied', 'false for \'alista\' (it learns no matrices)', this.tied);
    }
    const ss = this.variant === 'listaCpss' || this.variant === 'alista';
    if (ss) {
      this.supportSelection = supportSchedule(args.supportSelection ?? {p: 1.2, pMax: 13});
    } else if (args.supportSelection != null) {
      reject(OWNER, 'supportSelection', 'absent for variant \'' + this.variant + '\'',
             args.supportSelection);
    }
    this.inputSpec = [{ndim: 2}];
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const m = shape[shape.length - 1];
    if (shape.length !== 2 || m == null) {
      reject(OWNER, 'input shape', '[batch, M] with M known', shape);
    }
    const a = this.initialDictionary ?? randomDictionary(m, this.units);
    if (a.rows !== m) reject(OWNER, 'input shape', `[batch, ${a.rows}] for the dictionary`, shape);
    const T = this.iterations;
    const L = this.lipschitz ?? 1.001 * spectralNormSquared(a);
    if (!(L > 0)) reject(OWNER, 'dictionary', 'non-zero', 'all zeros');
    this.theta = this.addWeight('theta', [T], 'float32', tf.initializers.constant({value: this.lambda / L}),
                                undefined, true, tf.constraints.nonNeg());
    const aOverL = scale(a, 1 / L);
    if (this.variant === 'lista') {
      const s = scale(matMul(transpose(a), a), -1 / L);
      for (let i = 0; i < this.units; i++) s.data[i * this.units + i] += 1;
      const nLateral = this.tied ? Math.min(1, T - 1) : T - 1;
      this.analysis = this.matrices('We', this.tied ? 1 : T, 0, aOverL);
      this.lateral = this.matrices('S', nLateral, 1, s);
    } else {
      this.dictionary = this.addMatrix('A', a, false);
      if (this.variant === 'alista') {
        const w = alistaWeight(a);
        this.analysis = [this.addMatrix('Wtilde', toMatrix(w), false)];
        w.dispose();
        this.gamma = this.addWeight('gamma', [T], 'float32', tf.initializers.constant({value: 1 / L}));
      } else {
        this.analysis = this.matrices('W', this.tied ? 1 : T, 0, aOverL);
      }
    }
    this.built = true;
  }

  /**
   * `count` trainable matrices initialised to `value`, named `name` when tied, else `name_k` for
   * iterations `k = first, first + 1, …`.
   */
  private matrices(name: string, count: number, first: number, value: Matrix): tf.LayerVariable[] {
    return Array.from({length: count},
                      (_, i) => this.addMatrix(this.tied ? name : `${name}_${i + first}`, value, true));
  }

  private addMatrix(name: string, value: Matrix, trainable: boolean): tf.LayerVariable {
    const w = this.addWeight(name, [value.rows, value.cols], 'float32', tf.initializers.zeros(),
                             undefined, trainable);
    const t = toTensor(value);
    w.write(t);
    t.dispose();
    return w;
  }

  call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      return this.iterates(x, this.iterations)[this.iterations - 1];
    });
  }

  /**
   * The codes `z¹, …, z^count` after each of the first `count` iterations (default `T`) on the
   * rows of `x` (`[batch, M]`): what a network of `count` layers outputs, as stage-wise training
   * (`sl.train.trainListaStagewise`) and per-layer NMSE curves need. Differentiable; the caller
   * disposes the codes (or calls it inside `tf.tidy`).
   */
  iterates(x: tf.Tensor2D, count = this.iterations): tf.Tensor2D[] {
    if (!this.built) reject(OWNER, 'iterates', 'called after the layer is built', 'an unbuilt layer');
    if (!Number.isInteger(count) || count < 1 || count > this.iterations) {
      reject(OWNER, 'count', `an integer in [1, ${this.iterations}]`, count);
    }
    const codes: tf.Tensor2D[] = [];
    return tf.tidy(() => {
      // Per-iteration scalars as [1]-shaped slices (the gradient of tfjs's unstack fails for T = 1).
      const thetas = perIteration(this.theta.read(), count);
      const shrink = (k: number, v: tf.Tensor): tf.Tensor2D => {
        const selected = this.selectedCount(k + 1);
        return (selected > 0 ? supportSelectedThreshold(v, thetas[k], selected) : softThreshold(v, thetas[k])) as tf.Tensor2D;
      };
      const pick = (weights: tf.LayerVariable[], k: number) => weights[this.tied ? 0 : k].read() as tf.Tensor2D;
      if (this.variant === 'lista') {
        const we0 = tf.matMul(x, pick(this.analysis, 0));
        codes.push(shrink(0, we0));
        for (let k = 1; k < count; k++) {
          const we = this.tied ? we0 : tf.matMul(x, pick(this.analysis, k));
          codes.push(shrink(k, tf.add(we, tf.matMul(codes[k - 1], pick(this.lateral, k - 1)))));
        }
        return codes;
      }
      // Coupled variants: z + γ^k (x − A z) W^k, with γ^k = 1 except for ALISTA.
      const aT = tf.transpose(this.dictionary!.read()) as tf.Tensor2D;
      const gammas = this.gamma ? perIteration(this.gamma.read(), count) : undefined;
      for (let k = 0; k < count; k++) {
        const z = codes[k - 1];
        const residual = z === undefined ? x : tf.sub(x, tf.matMul(z, aT));
        const w = this.variant === 'alista' ? this.analysis[0].read() as tf.Tensor2D : pick(this.analysis, k);
        let update = tf.matMul(residual, w);
        if (gammas) update = tf.mul(gammas[k], update);
        codes.push(shrink(k, z === undefined ? update : tf.add(z, update)));
      }
      return codes;
    });
  }

  /**
   * The trainable weights that iteration `k` (0-based) uses, each with the entry it uses when
   * the weight holds one value per iteration (`theta`, `gamma`): `{weight, entry}`; matrices
   * shared by several iterations (tied layers) are listed for each of them.
   */
  iterationWeights(k: number): {weight: tf.LayerVariable; entry?: number}[] {
    if (!this.built) reject(OWNER, 'iterationWeights', 'called after the layer is built', 'an unbuilt layer');
    if (!Number.isInteger(k) || k < 0 || k >= this.iterations) {
      reject(OWNER, 'k', `an integer in [0, ${this.iterations - 1}]`, k);
    }
    const at = (weights: tf.LayerVariable[], i: number) => weights[this.tied ? 0 : i];
    const matrices = this.variant === 'alista' ? []
      : this.variant === 'lista' ? [at(this.analysis, k), ...(k > 0 ? [at(this.lateral, k - 1)] : [])]
        : [at(this.analysis, k)];
    return [
      ...matrices.map((weight) => ({weight})),
      {weight: this.theta, entry: k},
      ...(this.gamma ? [{weight: this.gamma, entry: k}] : []),
    ];
  }

  /** The fixed dictionary `A` that the coupled variants hold as a weight; undefined for `'lista'` (or before build). */
  get fixedDictionary(): tf.Tensor2D | undefined {
    return this.dictionary?.read() as tf.Tensor2D | undefined;
  }

  /** How many entries bypass the shrinkage at iteration `k` (1-based): `⌊min(k·p, p_max)·N/100⌋`. */
  private selectedCount(k: number): number {
    if (this.supportSelection === undefined) return 0;
    const {p, pMax} = this.supportSelection;
    return Math.floor(Math.min(k * p, pMax) * this.units / 100 + 1e-9);
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      variant: this.variant,
      iterations: this.iterations,
      units: this.units,
      lambda: this.lambda,
      tied: this.tied,
    };
    if (this.lipschitz !== undefined) config.lipschitz = this.lipschitz;
    if (this.supportSelection !== undefined) config.supportSelection = {...this.supportSelection};
    return {...config, ...super.getConfig()};
  }
}
registerLayer(Lista);

function supportSchedule(value: unknown): SupportSelection {
  const pair = Array.isArray(value) ? value
    : typeof value === 'object' && value !== null ? [(value as SupportSelection).p, (value as SupportSelection).pMax]
      : undefined;
  if (pair === undefined || pair.length !== 2 ||
      !pair.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
      !(pair[0] > 0 && pair[0] <= pair[1] && pair[1] <= 100)) {
    reject(OWNER, 'supportSelection', '{p, pMax} or [p, pMax] with 0 < p ≤ pMax ≤ 100 (percent)',
           Array.isArray(value) ? value : JSON.stringify(value));
  }
  return {p: pair[0], pMax: pair[1]};
}

function perIteration(values: tf.Tensor, count: number): tf.Tensor[] {
  return Array.from({length: count}, (_, k) => tf.slice(values, [k], [1]));
}

function scale(a: Matrix, factor: number): Matrix {
  return {rows: a.rows, cols: a.cols, data: a.data.map((v) => v * factor)};
}

/** `A` with entries `N(0, 1/M)` and each column scaled to unit norm. */
function randomDictionary(m: number, n: number): Matrix {
  const a = tf.tidy(() => normalizeAtoms(tf.randomNormal([m, n], 0, 1 / Math.sqrt(m))));
  const matrix = toMatrix(a as tf.Tensor2D);
  a.dispose();
  return matrix;
}

/**
 * The selection mask of `η^{ss}_θ`: 1 where `|v|` is among the `count` largest of its row and
 * exceeds `θ`, else 0; its gradient is zero.
 */
function supportMask(v: tf.Tensor, theta: tf.Tensor, count: number): tf.Tensor {
  return withoutGradient((u, th) => {
    const magnitude = tf.abs(u);
    const kth = tf.slice(tf.topk(magnitude, count).values, [0, count - 1], [-1, 1]);
    // Differences compared with zeros of the same shape: the wasm backend's comparisons are about
    // 30 times slower when they broadcast (5 ms against 0.15 ms on [64, 500]).
    const zeros = tf.zerosLike(magnitude);
    return tf.cast(tf.logicalAnd(tf.greaterEqual(tf.sub(magnitude, kth), zeros),
                                 tf.greater(tf.sub(magnitude, th), zeros)), u.dtype);
  }, v, theta);
}

/** `η^{ss}_θ(v)`: the selected entries (see {@link supportMask}) pass, the rest are soft-thresholded. */
function supportSelectedThreshold(v: tf.Tensor, theta: tf.Tensor, count: number): tf.Tensor {
  return tf.tidy(() => {
    const mask = supportMask(v, theta, count);
    return tf.add(tf.mul(mask, v), tf.mul(tf.sub(1, mask), softThreshold(v, theta)));
  });
}

/**
 * A LISTA-family layer (see {@link Lista} for the iterations): `T` unrolled iterations of
 * LISTA, LISTA-CP, LISTA-CPSS or ALISTA with learned matrices and per-iteration thresholds,
 * initialised from a dictionary `A` (given, or random) so that LISTA and LISTA-CP start as
 * `T` ISTA steps.
 *
 * Input shape `[batch, M]`; output shape `[batch, N]` (`N = units`, the dictionary's columns).
 *
 * ```js
 * const model = tf.sequential({layers: [
 *   sparseland.layers.lista({dictionary: A, variant: 'listaCpss', iterations: 16, lambda: 0.1}),
 * ]});
 * ```
 */
export function lista(args: ListaLayerArgs): Lista {
  return new Lista(args);
}
