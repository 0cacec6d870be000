/**
 * Training in Node and in pages: the closed-loop (CTRL) trainer and LISTA's stage-wise training.
 * Node adds (`sparseland/node`): runs with checkpoints on disk and resume, evaluation with image
 * grids, curves, the trained models of a run.
 */
export {ClosedLoopTrainer} from './closed_loop';
export type {ClosedLoopArgs, CtrlMode, LearningRateSchedule, MovingStatistics, RoundLog, TrainerState} from './closed_loop';
export {trainListaStagewise, stagewisePhases, layerNmseDb} from './lista_stagewise';
export type {StagewiseOptions, StagewiseProgress, PhaseRecord} from './lista_stagewise';
