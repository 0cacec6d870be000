export {softThreshold, nonNegSoftThreshold, hardThreshold, elasticNetProx} from './thresholds';
export type {Threshold} from './thresholds';
export {DenseDictionary, ConvDictionary} from './dictionary';
export type {DictionaryOperator, ConvPadding} from './dictionary';
export {normalizeAtoms} from './normalize';
export {powerIteration} from './power_iteration';
export type {PowerIterationResult} from './power_iteration';
export {stopGradient} from './stop_gradient';
