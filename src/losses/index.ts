/**
 * Losses on features: coding rates, MCR²'s rate reduction and the closed-loop transcription
 * (CTRL) objectives (docs/math.md §5, docs/rate_reduction.md), and the closed loop's sample-wise
 * consistency of codes.
 */
export {codingRate, classCodingRate} from './coding_rate';
export type {RateOptions} from './coding_rate';
export {mcr2, rateReductionBetween} from './rate_reduction';
export {ctrlBinary, ctrlMulti} from './ctrl';
export type {CtrlTerms} from './ctrl';
export {sampleConsistency} from './consistency';
export type {ConsistencyTerms} from './consistency';
