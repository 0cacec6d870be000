/**
 * The dictionaries a model holds, layer by layer, and for each its coherence, the bounds that
 * coherence gives, and the measured local sparsity of its codes (`sparseland analyze`,
 * docs/theory.md).
 */
import * as tf from '@tensorflow/tfjs';
import {CscStage} from '../../layers/csc_stage';
import {Iht} from '../../layers/iht';
import {Lista} from '../../layers/lista';
import {MultiLayerCsc} from '../../layers/ml_csc_common';
import {layeredBasisPursuitBound, uniquenessBound} from './bounds';
import {mutualCoherence} from './coherence';
import {measuredL0Inf} from './l0_inf';

/** One dictionary of a model. */
export interface ModelDictionary {
  /** The layer's name, with the weight's (`ml_ista/kernel_2`) or the iteration (`csc_1[1]`) where a layer holds several. */
  name: string;
  /** The layer's class (`CscStage`, `Conv2D`, …). */
  className: string;
  /** The dictionary: `[kh, kw, C_in, C_out]` filters or a dense `[M, N]` matrix; owned by the caller. */
  dictionary: tf.Tensor;
  /** Stride of a convolutional dictionary. */
  strides?: [number, number];
  /** The layer output that holds this dictionary's codes, where the layer outputs them. */
  codes?: tf.SymbolicTensor;
}

/** The kernel weight `name` of `layer` (`csc_1/kernel_2` for `kernel_2`), read and cloned. */
function weight(layer: tf.layers.Layer, name: string): tf.Tensor {
  const found = layer.weights.find((w) => w.originalName === `${layer.name}/${name}`);
  if (!found) throw new Error(`layer '${layer.name}' has no weight '${name}'`);
  return found.read().clone();
}

/** A layer's single output. */
function output(layer: tf.layers.Layer): tf.SymbolicTensor {
  return layer.output as tf.SymbolicTensor;
}

/**
 * The dictionaries of `model`'s layers, in layer order: a `CscStage`'s (normalised) filters, one
 * per iteration when untied; each `kernel_i` of the multi-layer layers (ML-ISTA, ML-FISTA,
 * ML-LISTA, layered thresholding and basis pursuit); an `Iht`'s kernel; the dictionary `A` that
 * a `Lista` holds (LISTA-CP, -CPSS, ALISTA; plain LISTA holds none); a `Conv2D`'s kernel, read
 * as a convolutional dictionary. Codes: the layer's output, except for the multi-layer layers,
 * which output the last layer's code only.
 */
export function modelDictionaries(model: tf.LayersModel): ModelDictionary[] {
  const found: ModelDictionary[] = [];
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (layer instanceof CscStage) {
      const count = layer.tied ? 1 : layer.iterations + 1;
      for (let i = 0; i < count; i++) {
        found.push({name: layer.tied ? layer.name : `${layer.name}[${i}]`, className, strides: layer.strides,
                    dictionary: tf.tidy(() => layer.dictionary(i)), codes: output(layer)});
      }
    } else if (layer instanceof MultiLayerCsc) {
      layer.filters.forEach((_, i) => found.push({
        name: `${layer.name}/kernel_${i + 1}`, className, strides: layer.strides[i],
        dictionary: weight(layer, `kernel_${i + 1}`), ...(i === layer.depth - 1 ? {codes: output(layer)} : {}),
      }));
    } else if (layer instanceof Iht) {
      found.push({name: layer.name, className, strides: layer.strides, dictionary: weight(layer, 'kernel'), codes: output(layer)});
    } else if (layer instanceof Lista) {
      const a = layer.fixedDictionary;
      if (a) found.push({name: layer.name, className, dictionary: a.clone(), codes: output(layer)});
    } else if (className === 'Conv2D') {
      const strides = layer.getConfig().strides as [number, number];
      found.push({name: layer.name, className, strides, dictionary: weight(layer, 'kernel'), codes: output(layer)});
    }
  }
  return found;
}

/** One row of {@link dictionaryReport}. */
export interface DictionaryRow {
  name: string;
  className: string;
  /** The dictionary's shape: `[kh, kw, C_in, C_out]` or `[M, N]`. */
  shape: number[];
  /** Stride of a convolutional dictionary. */
  strides?: [number, number];
  /** Mutual coherence `μ` (over the shifts of the stride's grid for a convolutional dictionary). */
  mu: number;
  /** `½(1 + 1/μ)`: representations sparser than this (in ℓ₀,∞) are unique. */
  uniqueness: number;
  /** `⅓(1 + 1/μ)`: layered basis pursuit is stable up to this ℓ₀,∞. */
  basisPursuit: number;
  /** `‖Γ‖₀,∞` of the layer's codes measured on the images given, where the layer outputs them. */
  l0Inf?: number;
}

/**
 * For every dictionary of `model` ({@link modelDictionaries}): its coherence and bounds, and,
 * given `images` (a function that yields batches of the model's inputs, which it disposes), the
 * largest `‖Γ‖₀,∞` of its codes over them (the model run up to that layer). A coherence of 0
 * makes both bounds `Infinity`.
 */
export async function dictionaryReport(model: tf.LayersModel,
                                       images?: () => AsyncIterable<tf.Tensor>): Promise<DictionaryRow[]> {
  const dictionaries = modelDictionaries(model);
  try {
    const rows: DictionaryRow[] = dictionaries.map(({name, className, dictionary, strides}) => {
      const mu = mutualCoherence(dictionary, strides ? {strides} : {});
      return {name, className, shape: dictionary.shape, ...(strides ? {strides} : {}), mu,
              uniqueness: mu > 0 ? uniquenessBound(mu) : Infinity,
              basisPursuit: mu > 0 ? layeredBasisPursuitBound(mu) : Infinity};
    });
    const measured = dictionaries.flatMap((d, row) => (d.codes ? [{row, codes: d.codes}] : []));
    if (images && measured.length > 0) {
      const outputs = [...new Set(measured.map((m) => m.codes))];
      const probe = tf.model({inputs: model.inputs, outputs});
      for await (const batch of images()) {
        const predicted = probe.predict(batch);
        const codes = Array.isArray(predicted) ? predicted : [predicted];
        for (const {row, codes: symbolic} of measured) {
          const d = dictionaries[row];
          const kernel = d.dictionary.rank === 4 ? {kernelSize: d.dictionary.shape.slice(0, 2) as [number, number], strides: d.strides} : {};
          const l0Inf = measuredL0Inf(codes[outputs.indexOf(symbolic)], kernel);
          rows[row].l0Inf = Math.max(rows[row].l0Inf ?? 0, l0Inf);
        }
        tf.dispose(codes);
      }
    }
    return rows;
  } finally {
    tf.dispose(dictionaries.map((d) => d.dictionary));
  }
}
