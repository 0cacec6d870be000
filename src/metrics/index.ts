export {psnr} from './psnr';
export {ssim} from './ssim';
export type {ImageQualityOptions} from './image_pair';
export {density} from './density';
