/**
 * Factories for every sparseland layer, one per layer as `tf.layers.*` has them. Each line
 * re-exports the factory that sits beside its layer class.
 */
export {cscStage} from './csc_stage';
export {lista} from './lista';
export {cscDecoder} from './csc_decoder';
export {layeredThresholding} from './layered_thresholding';
export {layeredBasisPursuit} from './layered_basis_pursuit';
export {mlIsta} from './ml_ista';
export {mlFista} from './ml_fista';
export {mlLista} from './ml_lista';
export {iht} from './iht';
export {unitNormalization} from './unit_normalization';
export type {CscStageLayerArgs, CscAlgorithm, CscStep, ThresholdShape} from './csc_stage';
export type {CscDecoderLayerArgs} from './csc_decoder';
export type {ListaLayerArgs, ListaVariant, SupportSelection} from './lista';
export type {MlCscLayerArgs, MlCscWeights} from './ml_csc_common';
export type {LayeredThresholdingLayerArgs} from './layered_thresholding';
export type {LayeredBasisPursuitLayerArgs} from './layered_basis_pursuit';
export type {MlIstaLayerArgs} from './ml_ista';
export type {MlFistaLayerArgs} from './ml_fista';
export type {MlListaLayerArgs} from './ml_lista';
export type {IhtLayerArgs} from './iht';
export type {UnitNormalizationLayerArgs} from './unit_normalization';
export type {Initializer, InitializerArg} from '../src/util/layer_args';
