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
