/**
 * Theory made measurable (docs/theory.md): the mutual coherence of a model's dictionaries, the
 * uniqueness and stability bounds of the multi-layer convolutional sparse-coding model that it
 * gives, the ℓ₀,∞ local sparsity of codes, the energy each layer keeps, and the energy a
 * scattering network propagates by depth.
 */
export {mutualCoherence} from './coherence';
export type {CoherenceOptions} from './coherence';
export {uniquenessBound, layeredThresholdingBound, layeredBasisPursuitBound} from './bounds';
export type {LayeredThresholdingBoundArgs} from './bounds';
export {measuredL0Inf} from './l0_inf';
export type {L0InfOptions} from './l0_inf';
export {energyPerLayer, energyPerSample} from './energy';
export {morletFilterBank, littlewoodPaley, disposeFilterBank, scatteringEnergy, Dft2d, FILTER_NORMALIZATIONS} from './scattering';
export type {Complex, FilterBank, FilterNormalization, MorletFilterBankArgs, ScatteringEnergy, ScatteringEnergyArgs} from './scattering';
export {modelDictionaries, dictionaryReport} from './dictionaries';
export type {ModelDictionary, DictionaryRow} from './dictionaries';
