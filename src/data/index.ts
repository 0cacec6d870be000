export {loadMnist, MNIST_PER_CLASS} from './mnist';
export type {MnistBatch, MnistOptions} from './mnist';
export {syntheticLasso, nmseDb} from './synthetic';
export type {SyntheticLasso, SyntheticLassoArgs} from './synthetic';
