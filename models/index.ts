export {mlCscClassifier} from './ml_csc_classifier';
export type {MlCscClassifierArgs, Pursuit} from './ml_csc_classifier';
