"""Golden values for the cscCtrl model and its closed-loop rounds, from the PyTorch network of
scripts/reference/bench_csc_ctrl.py in float64 (the network the training benchmark compares with).

A tiny configuration (filters [4, 4, 4, 8], K = 2, a batch of 4 images 32x32x1) with random weights,
non-trivial batch-normalisation scales and shifts, and power-iteration vectors only 3 steps from random
ones (so that L, and the codes, depend on how many power steps each training pass takes). Stores, in sparseland's layouts (NHWC, filters [k, k, C_img, C_code]) and keyed by its layer
and weight names:
- the weights and the power-iteration vectors;
- one pass in training mode: Z = f(X), X_hat = g(Z), Z_hat = f(X_hat), and the binary and multi-class
  CTRL terms of (Z, Z_hat);
- from the same initial state, the terms of two closed-loop rounds in each mode (encoder step, then
  decoder step; Adam at the stored learning rate).

Usage: /usr/bin/python3 scripts/reference/golden_csc_ctrl.py > test/golden/csc_ctrl_forward.json
"""
import copy
import json

import torch

from bench_csc_ctrl import (ClosedLoop, Decoder, Encoder, ctrl_binary, ctrl_multi, power_iteration,
                            unit_atoms)

torch.set_default_dtype(torch.float64)

FILTERS, ITERATIONS, BATCH, CLASSES, LABELS = [4, 4, 4, 8], 2, 4, 2, [0, 1, 1, 0]
LEARNING_RATE, ROUNDS, POWER_STEPS = 1e-3, 2, 3


def values(t, digits=10):
    """Nested lists of `t`'s values rounded to `digits` significant digits (a smaller file, float64 still)."""
    if t.dim() == 0:
        return float(f'{float(t):.{digits}g}')
    return [values(s, digits) for s in t]


def nhwc(t):
    return values(t.detach().permute(0, 2, 3, 1))


def tfjs_filters(w):
    """conv2d's [C_code, C_img, k, k] as sparseland's [k, k, C_img, C_code]."""
    return values(w.detach().permute(2, 3, 1, 0))


def weights(encoder, decoder):
    """Every weight by sparseland's layer name and weight name."""
    out = {}
    n = len(encoder.stages)
    for i, stage in enumerate(encoder.stages):
        out[f'csc_{i + 1}'] = {'kernel': tfjs_filters(stage.weight), 'lambda': values(stage.lam.detach()),
                               'power_vector': nhwc(stage.power_vector)}
    for i, norm in enumerate(encoder.norms):
        out[f'csc_bn_{i + 1}'] = {'gamma': values(norm.weight.detach()), 'beta': values(norm.bias.detach())}
    for j, layer in enumerate(decoder.layers):
        out[f'synthesis_{n - j}'] = {'kernel': tfjs_filters(layer.weight)}
    for j, norm in enumerate(decoder.norms):
        out[f'bn_{n - 1 - j}'] = {'gamma': values(norm.weight.detach()), 'beta': values(norm.bias.detach())}
    return out


def terms(result):
    return {k: float(v) for k, v in result.items()}


def main():
    torch.manual_seed(2024)
    encoder = Encoder(FILTERS, ITERATIONS)
    decoder = Decoder(FILTERS, encoder.sizes)
    with torch.no_grad():
        for norm in [*encoder.norms, *decoder.norms]:
            norm.weight.copy_(1 + 0.2 * torch.randn(norm.weight.shape))
            norm.bias.copy_(0.2 * torch.randn(norm.bias.shape))
        for stage in encoder.stages:
            start = torch.randn(stage.power_vector.shape)
            stage.power_vector.copy_(power_iteration(stage.geometry, unit_atoms(stage.weight), start, POWER_STEPS))
    x = 2 * torch.rand(BATCH, 1, 32, 32) - 1
    labels = torch.tensor(LABELS)
    initial = copy.deepcopy((encoder.state_dict(), decoder.state_dict()))
    stored = weights(encoder, decoder)

    with torch.no_grad():
        z = encoder(x)
        x_hat = decoder(z)
        z_hat = encoder(x_hat)
    forward = {'z': values(z), 'xHat': nhwc(x_hat), 'zHat': values(z_hat),
               'binary': terms(ctrl_binary(z, z_hat)), 'multi': terms(ctrl_multi(z, z_hat, labels, CLASSES))}

    rounds = {}
    for mode in ('binary', 'multi'):
        encoder.load_state_dict(initial[0])
        decoder.load_state_dict(initial[1])
        loop = ClosedLoop(encoder, decoder, mode, learning_rate=LEARNING_RATE, classes=CLASSES)
        rounds[mode] = []
        for _ in range(ROUNDS):
            encoder_terms, decoder_terms = loop.round(x, labels)
            rounds[mode].append({'encoder': encoder_terms, 'decoder': decoder_terms})

    print(json.dumps({'generator': 'scripts/reference/golden_csc_ctrl.py', 'torch': torch.__version__,
                      'filters': FILTERS, 'iterations': ITERATIONS, 'classes': CLASSES, 'labels': LABELS,
                      'learningRate': LEARNING_RATE, 'x': nhwc(x), 'weights': stored, 'forward': forward,
                      'rounds': rounds}))


if __name__ == '__main__':
    main()
