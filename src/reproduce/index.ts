export {LISTA_VARIANTS} from '../../layers/lista';
export {reproduceLista, writeListaResults, listaTable, nmsePerLayer, solverNmse, variantSlug, LISTA_BENCHMARK, PUBLISHED_NMSE_DB,
        PUBLISHED_NMSE_DB_SNR20, publishedNmseDb} from './lista';
export type {ReproduceListaOptions, ListaReproduction, NmseCurve} from './lista';
export {reproduceMlCsc, mlCscModel, mlCscTable, publishedInitialization, testAccuracy, learningRateAt, decayEvery, comparedEpochs,
        ML_CSC_MODELS, ML_CSC_LABEL, ML_CSC_PURSUIT, ML_CSC_RECIPE, PUBLISHED_ACCURACY, trainingStep} from './ml_csc';
export type {MlCscModel, MlCscRecipe, MlCscProgress, MlCscReproduction, MlCscResult, EpochRecord, ReproduceMlCscOptions} from './ml_csc';
export {reproduceInvertibility, invertibilityTable, VARIANTS as INVERTIBILITY_VARIANTS, MATCHING_VARIANT as INVERTIBILITY_MATCHING_VARIANT}
  from './invertibility';
export type {ErrorSummary, InvertibilityReproduction, MnistRow, ReproduceInvertibilityOptions} from './invertibility';
export {PAPER_VARIANT as INVERTIBILITY_PAPER_VARIANT} from './invertibility_check';
export type {InvertibilityMeasurement, InvertibilityVariant} from './invertibility_check';
export {reproduceNoiseRobustness, writeNoiseRobustness, noiseRobustnessTable, withUnfoldings, unfoldingsOf, digitNoise, loadClassifier,
        DEFAULT_SIGMAS as NOISE_ROBUSTNESS_SIGMAS, DEFAULT_REFERENCE as NOISE_ROBUSTNESS_REFERENCE} from './noise_robustness';
export type {ReproduceNoiseRobustnessOptions, NoiseRobustnessReproduction, NoiseCurve} from './noise_robustness';
export {reproduceEnergyDecay, energyTable, fitDecay, depthKeeping, measureScattering, thresholdingEnergies, ENERGY_DECAY_RECIPE} from './energy_decay';
export type {EnergyDecayReproduction, ReproduceEnergyDecayOptions, ScatteringMeasurement, ModelMeasurement, DecayFit, DepthForEpsilon, Spread}
  from './energy_decay';
