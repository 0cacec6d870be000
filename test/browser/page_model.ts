/**
 * A model, an input and a target as test/browser/pages/harness.js receives them: the topology,
 * the weights in base64, the tensors as arrays.
 */
import * as tf from '@tensorflow/tfjs';

export interface PageModelSpec {
  modelTopology: unknown;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: string;
  x: {shape: number[]; values: number[]};
  target: {shape: number[]; values: number[]};
  learningRate: number;
}

/** `model` serialised with the batch `x`, the regression target `target` and the SGD step size. */
export async function pageModelSpec(model: tf.LayersModel, x: tf.Tensor, target: tf.Tensor,
                                    learningRate: number): Promise<PageModelSpec> {
  const saved = await new Promise<tf.io.ModelArtifacts>((resolve) => {
    void model.save(tf.io.withSaveHandler(async (artifacts) => {
      resolve(artifacts);
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }));
  });
  return {
    modelTopology: saved.modelTopology, weightSpecs: saved.weightSpecs ?? [],
    weightData: Buffer.from(saved.weightData as ArrayBuffer).toString('base64'),
    x: {shape: x.shape, values: Array.from(x.dataSync())},
    target: {shape: target.shape, values: Array.from(target.dataSync())},
    learningRate,
  };
}
