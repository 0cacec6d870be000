"""Golden values for the cscStage layer, computed independently in PyTorch (float64).

The stage of docs/math.md section 3: atoms normalised to unit norm, A z = conv_transpose2d(z, W),
A^T x = conv2d(x, W) (PyTorch weight layout [C_code, C_img, kh, kw]), z0 = prox(eta A^T x),
then K ISTA or FISTA steps z <- prox(y - eta A^T(A y - x)), prox(v) = S_{lam eta/(1+mu eta)}(v/(1+mu eta))
(S+ for non-negative codes), FISTA with t_1 = (1+sqrt 5)/2 after the first step.

For each case it stores the input, the (unnormalised) filters in tfjs layout [kh, kw, C_img, C_code],
eta, the output codes, and the gradients of loss = sum(z * probe) in the filters and in lambda.

Usage: /usr/bin/python3 scripts/reference/golden_csc_stage.py > test/golden/csc_stage.json
"""
import json
import math

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

CASES = [
    dict(name='ista-stride1-same-nonneg', algorithm='ista', iterations=2, strides=1, padding='same',
         nonNeg=True, mu=0.0, lam=0.1, kernel=3, c_img=2, c_code=4, size=8),
    dict(name='fista-stride1-same-signed-elasticnet', algorithm='fista', iterations=3, strides=1,
         padding='same', nonNeg=False, mu=0.5, lam=0.05, kernel=3, c_img=1, c_code=3, size=7),
    dict(name='ista-stride2-same-nonneg', algorithm='ista', iterations=2, strides=2, padding='same',
         nonNeg=True, mu=0.0, lam=0.1, kernel=4, c_img=3, c_code=5, size=8),
    dict(name='fista-stride2-valid-nonneg', algorithm='fista', iterations=4, strides=2, padding='valid',
         nonNeg=True, mu=0.0, lam=0.02, kernel=3, c_img=2, c_code=4, size=9),
]


def same_pads(size, kernel, stride):
    """tfjs/TensorFlow 'same' padding: total = max((ceil(n/s)-1)*s + k - n, 0), top = total // 2."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2, out


def operators(w, case):
    """(synthesis, adjoint) for NCHW tensors, matching TensorFlow's 'same'/'valid' conventions."""
    k, s, n = case['kernel'], case['strides'], case['size']
    if case['padding'] == 'same':
        top, bottom, _ = same_pads(n, k, s)
    else:
        top = bottom = 0

    def adjoint(x):
        return F.conv2d(F.pad(x, (top, bottom, top, bottom)), w, stride=s)

    def synthesis(z):
        full = F.conv_transpose2d(z, w, stride=s)  # size (out-1)*s + k, the padded input size or less
        need = n + top + bottom
        full = F.pad(full, (0, need - full.shape[-1], 0, need - full.shape[-2]))
        return full[..., top:top + n, top:top + n]

    return synthesis, adjoint


def power_lipschitz(synthesis, adjoint, code_shape):
    u = torch.randn(code_shape, generator=torch.Generator().manual_seed(0))
    for _ in range(3000):
        v = adjoint(synthesis(u))
        u = v / v.norm()
    return float(synthesis(u).square().sum())


def run(case, w_raw, lam, x, eta):
    w = w_raw / w_raw.square().sum(dim=(1, 2, 3), keepdim=True).sqrt()
    synthesis, adjoint = operators(w, case)
    shrink = 1 + case['mu'] * eta

    def prox(v):
        v = v / shrink
        theta = lam * eta / shrink
        return F.relu(v - theta) if case['nonNeg'] else F.relu(v - theta) - F.relu(-v - theta)

    z = prox(eta * adjoint(x))
    y, t = z, (1 + math.sqrt(5)) / 2
    for _ in range(case['iterations']):
        nxt = prox(y - eta * adjoint(synthesis(y) - x))
        if case['algorithm'] == 'fista':
            t_next = (1 + math.sqrt(1 + 4 * t * t)) / 2
            y = nxt + ((t - 1) / t_next) * (nxt - z)
            t = t_next
        else:
            y = nxt
        z = nxt
    return z, synthesis, adjoint


def main():
    gen = torch.Generator().manual_seed(1234)
    out = []
    for case in CASES:
        k, ci, cc, n = case['kernel'], case['c_img'], case['c_code'], case['size']
        x = torch.randn(2, ci, n, n, generator=gen)
        w_raw = torch.randn(cc, ci, k, k, generator=gen).requires_grad_()
        lam = torch.tensor(case['lam']).requires_grad_()
        with torch.no_grad():
            wn = w_raw / w_raw.square().sum(dim=(1, 2, 3), keepdim=True).sqrt()
            synthesis, adjoint = operators(wn, case)
            code_shape = adjoint(x[:1]).shape
            eta = 0.9 / power_lipschitz(synthesis, adjoint, code_shape)
        z, _, _ = run(case, w_raw, lam, x, eta)
        probe = torch.randn(z.shape, generator=gen)
        (z * probe).sum().backward()
        nhwc = lambda t: t.detach().permute(0, 2, 3, 1).tolist()
        out.append({
            **{key: case[key] for key in ('name', 'algorithm', 'iterations', 'strides', 'padding', 'nonNeg', 'mu')},
            'lambda': case['lam'],
            'kernelSize': k,
            'eta': eta,
            'x': nhwc(x),
            'filters': w_raw.detach().permute(2, 3, 1, 0).tolist(),
            'z': nhwc(z),
            'probe': nhwc(probe),
            'gradFilters': w_raw.grad.permute(2, 3, 1, 0).tolist(),
            'gradLambda': float(lam.grad),
        })
    print(json.dumps({'generator': 'scripts/reference/golden_csc_stage.py', 'torch': torch.__version__,
                      'cases': out}))


if __name__ == '__main__':
    main()
