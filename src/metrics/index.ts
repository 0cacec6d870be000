export {psnr} from './psnr';
export {ssim} from './ssim';
export type {ImageQualityOptions} from './image_pair';
export {density} from './density';
export {NearestSubspace} from './nearest_subspace';
export type {Features, Labels, NearestSubspaceOptions} from './nearest_subspace';
