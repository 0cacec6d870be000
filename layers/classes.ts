/** The layer classes, exported so that users can subclass them or test `instanceof`. */
export {CscStage} from './csc_stage';
export {Lista} from './lista';
export {CscDecoder} from './csc_decoder';
export {LayeredThresholding} from './layered_thresholding';
export {LayeredBasisPursuit} from './layered_basis_pursuit';
export {MlIsta} from './ml_ista';
export {MlFista} from './ml_fista';
export {MlLista} from './ml_lista';
export {Iht} from './iht';
export {UnitNormalization} from './unit_normalization';
