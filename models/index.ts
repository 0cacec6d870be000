export {mlCscClassifier} from './ml_csc_classifier';
export type {MlCscClassifierArgs, Pursuit} from './ml_csc_classifier';
export {cscCtrl, CSC_CTRL_PRESETS, resolveCscCtrlArgs} from './csc_ctrl';
export type {CscCtrl, CscCtrlArgs, CscCtrlPreset} from './csc_ctrl';
export {sampleCscCtrl, drawClassFeatures, fitClassSubspaces} from './ctrl_sampling';
export type {ClassSubspace, CtrlSamplingOptions} from './ctrl_sampling';
