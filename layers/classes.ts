/** The layer classes, exported so that users can subclass them or test `instanceof`. */
export {CscStage} from './csc_stage';
export {Lista} from './lista';
export {CscDecoder} from './csc_decoder';
