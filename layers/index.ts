/**
 * The sparseland layers: for each, its factory (`sl.layers.cscStage({...})`, as
 * `tf.layers.conv2d({...})`), its class (to subclass or test `instanceof`, as `tf.layers.Layer`)
 * and its argument types. A layer is its file, which ends with `registerLayer(Cls)`, plus its
 * one line here.
 */
export {cscStage, CscStage, type CscStageLayerArgs, type CscAlgorithm, type CscStep, type ThresholdShape} from './csc_stage';
export {cscDecoder, CscDecoder, type CscDecoderLayerArgs} from './csc_decoder';
export {lista, Lista, type ListaLayerArgs, type ListaVariant, type SupportSelection} from './lista';
export {layeredThresholding, LayeredThresholding, type LayeredThresholdingLayerArgs} from './layered_thresholding';
export {layeredBasisPursuit, LayeredBasisPursuit, type LayeredBasisPursuitLayerArgs} from './layered_basis_pursuit';
export {mlIsta, MlIsta, type MlIstaLayerArgs} from './ml_ista';
export {mlFista, MlFista, type MlFistaLayerArgs} from './ml_fista';
export {mlLista, MlLista, type MlListaLayerArgs} from './ml_lista';
export {iht, Iht, type IhtLayerArgs} from './iht';
export {unitNormalization, UnitNormalization, type UnitNormalizationLayerArgs} from './unit_normalization';
export type {MlCscLayerArgs, MlCscWeights, MultiLayerCsc} from './ml_csc_common';
export type {Initializer, InitializerArg} from '../src/util/layer_args';
