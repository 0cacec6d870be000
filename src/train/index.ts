/** Closed-loop (CTRL) training: the trainer, runs with checkpoints and resume, and evaluation. */
export {ClosedLoopTrainer} from './closed_loop';
export type {ClosedLoopArgs, CtrlMode, LearningRateSchedule, MovingStatistics, RoundLog, TrainerState} from './closed_loop';
export {saveCheckpoint, loadCheckpoint, loadCheckpointModels, hasCheckpoint} from './checkpoint';
export type {CheckpointContents, CheckpointModels, RunPosition} from './checkpoint';
export {trainCscCtrl, openDataset, CTRL_RUN_DEFAULTS} from './ctrl_run';
export type {CtrlRunOptions, CtrlRunHooks, CtrlRunResult, CtrlRunState, OpenDatasetOptions} from './ctrl_run';
export {evaluateCscCtrl, reconstructionQuality} from './ctrl_eval';
export {curvePanels, curvesAtCheckpoints, writeCurves} from './ctrl_curves';
export type {EvalLine} from './ctrl_curves';
export type {CtrlEvalOptions, CtrlEvaluation} from './ctrl_eval';
export {loadTrainedModels, copyWeights, PRETRAINED} from './trained_models';
export type {TrainedModels} from './trained_models';
export {trainListaStagewise, stagewisePhases, layerNmseDb} from './lista_stagewise';
export type {StagewiseOptions, StagewiseProgress, PhaseRecord} from './lista_stagewise';
