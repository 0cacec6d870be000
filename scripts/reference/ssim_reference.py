"""Golden values for sl.metrics.psnr and sl.metrics.ssim, computed by scikit-image in float64.

SSIM is scikit-image's structural_similarity with the settings of Wang et al. 2004
(gaussian_weights=True, sigma=1.5: an 11-tap window; use_sample_covariance=False;
K1 = 0.01, K2 = 0.03), data_range = hi - lo, channel_axis=-1 (mean over channels), one value per
image. PSNR is peak_signal_noise_ratio(data_range=hi - lo) per image.

The images are drawn in float32 (the precision sparseland works in) and stored exactly, so both
sides see the same inputs; scikit-image then runs on their float64 copies.

Usage: /usr/bin/python3 scripts/reference/ssim_reference.py > test/golden/ssim.json
"""
import json

import numpy as np
import skimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def smooth(rng, shape):
    """Images with structure at several scales: random sinusoids plus a little noise."""
    n, h, w, c = shape
    yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing='ij')
    out = np.zeros(shape)
    for i in range(n):
        for k in range(c):
            f = rng.uniform(0.05, 0.4, size=4)
            out[i, :, :, k] = (0.4 * np.sin(f[0] * xx + f[1] * yy + rng.uniform(0, 6))
                               + 0.3 * np.cos(f[2] * xx - f[3] * yy))
    return out + 0.05 * rng.standard_normal(shape)


def exact(x):
    """float32 values as the shortest decimals that read back as the same float32 (9 digits)."""
    return [float(f'{v:.9g}') for v in x.ravel()]


def case(name, a, b, lo, hi):
    a = a.astype(np.float32)
    b = b.astype(np.float32)
    r = hi - lo
    ssim = [structural_similarity(x.astype(np.float64), y.astype(np.float64), gaussian_weights=True,
                                  sigma=1.5, use_sample_covariance=False, data_range=r,
                                  channel_axis=-1)
            for x, y in zip(a, b)]
    psnr = [peak_signal_noise_ratio(x.astype(np.float64), y.astype(np.float64), data_range=r)
            for x, y in zip(a, b)]
    return dict(name=name, shape=list(a.shape), range=[lo, hi], a=exact(a), b=exact(b), ssim=ssim,
                psnr=psnr)


def main():
    rng = np.random.default_rng(2004)
    cases = []
    a = rng.uniform(-1, 1, size=(2, 14, 17, 1))
    cases.append(case('uniform-noise-gray', a, a + 0.2 * rng.standard_normal(a.shape), -1, 1))
    a = smooth(rng, (3, 16, 16, 3))
    b = 0.8 * a + 0.1 + 0.1 * rng.standard_normal(a.shape)
    b[2] = smooth(rng, (1, 16, 16, 3))[0]  # an unrelated image
    cases.append(case('smooth-rgb', a, b, -1, 1))
    a = 127.5 + 100 * smooth(rng, (2, 11, 12, 2))
    cases.append(case('range-0-255', a, a + 10 * rng.standard_normal(a.shape), 0, 255))
    a = 0.5 + 0.4 * smooth(rng, (1, 20, 13, 1))
    cases.append(case('range-0-1-offset-mean', a, 0.9 * a + 0.07, 0, 1))
    print(json.dumps({'generator': 'scripts/reference/ssim_reference.py',
                      'skimage': skimage.__version__, 'numpy': np.__version__, 'cases': cases}))


if __name__ == '__main__':
    main()
