export {loadMnist, MNIST_PER_CLASS, MNIST_CLASS_SIZES} from './mnist';
export type {MnistBatch, MnistOptions} from './mnist';
export {syntheticLasso, nmseDb} from './synthetic';
export type {SyntheticLasso, SyntheticLassoArgs} from './synthetic';
export type {ImageBatch, BatchOptions, ImageDataset} from './dataset';
export {InMemoryImageDataset} from './in_memory';
export {mnistDataset, MNIST_TEST_PER_CLASS} from './mnist_dataset';
export type {MnistDatasetOptions} from './mnist_dataset';
