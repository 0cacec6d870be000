/**
 * Theory made measurable (docs/theory.md): the mutual coherence of a model's dictionaries, the
 * uniqueness and stability bounds of the multi-layer convolutional sparse-coding model that it
 * gives, the ℓ₀,∞ local sparsity of codes, and the energy each layer keeps.
 */
export {mutualCoherence} from './coherence';
export type {CoherenceOptions} from './coherence';
export {uniquenessBound, layeredThresholdingBound, layeredBasisPursuitBound} from './bounds';
export type {LayeredThresholdingBoundArgs} from './bounds';
export {measuredL0Inf} from './l0_inf';
export type {L0InfOptions} from './l0_inf';
export {energyPerLayer} from './energy';
export {modelDictionaries, dictionaryReport} from './dictionaries';
export type {ModelDictionary, DictionaryRow} from './dictionaries';
