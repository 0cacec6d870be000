/**
 * Every converter file, imported once: each registers its converters against their layer
 * classes (`registerConverter(CscStage, …)`). A converter file is added here.
 */
import './core';
import './conv';
import './sparseland';
import './ml_csc';
import './iht';
