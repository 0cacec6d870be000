"""The closed loop in PyTorch against sparseland: the PyTorch side of scripts/ctrl_parity.ts.

Reads what `node dist/scripts/ctrl_parity.js --out DIR` wrote (DIR/index.json and its binary files):
sparseland's initial weights of cscCtrl({preset: 'mnist', filters: [32, 64, 128, 128], features: 'linear'}),
the batches of its run and 500 test digits. Builds the same network with the classes of
bench_csc_ctrl.py and loads those weights into it (filters [k, k, C_img, C_code] -> [C_code, C_img, k, k]
for conv2d and conv_transpose2d alike; power-iteration vectors NHWC -> NCHW; batch normalisation
gamma, beta, moving mean and variance -> weight, bias, running_mean, running_var, eps 1e-3, momentum 0.1
= tfjs's 0.9). Two stage classes differ from the benchmark's:
- every stage advances its power-iteration vector only in training mode (inference reads it, as
  sparseland's CscStage.call does; the benchmark only trains);
- the last stage has sparseland's features: 'linear': signed codes, lambda = 0 and not learned.

Checks first that one pass over the first batch from the initial weights gives sparseland's Z and X_hat
(training mode, then inference mode from the state that pass leaves; prints the largest differences),
then plays the rounds of the run with bench_csc_ctrl.ClosedLoop in 'multi' mode (encoder step up T with
X_hat held fixed, decoder step down T with Z held fixed, Adam 1.5e-4, betas (0.5, 0.999), eps 1e-7,
training mode throughout, every pass moving the batch-normalisation statistics), float32, and writes
DIR/pytorch.jsonl with the fields of DIR/sparseland.jsonl: per round the terms before each player's step,
and every --eval-every rounds `psnr`: the mean over the test digits of 10 log10(2^2 / MSE(x, g(f(x))))
(sl.metrics.psnr's formula, pixel range [-1, 1]), both models in inference mode.

A control for how far two float32 runs of the game drift apart from rounding alone: `--perturb 1e-6
--log pytorch_perturbed.jsonl` multiplies every trainable weight by 1 + 1e-6 N(0, 1) (seed 0) after
loading, and skips the check.

Usage: /usr/bin/python3 scripts/reference/ctrl_parity.py [--out out/parity] [--rounds N (default: all
stored)] [--threads 1] [--eval-every N (default: the sparseland run's)] [--log pytorch.jsonl]
[--perturb X]. OpenBLAS, which Debian's torch calls for products, gets OPENBLAS_NUM_THREADS=1 unless set
(torch.set_num_threads does not bound it): on a loaded machine two threads per library made a round
20 times slower.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_csc_ctrl import (POWER_STEPS, STEP_SCALE, STRIDES, PADDINGS, ClosedLoop, CscStage, Decoder, Encoder,
                            power_iteration, unit_atoms)

FILTERS, ITERATIONS, CLASSES = [32, 64, 128, 128], 2, 10


class Stage(CscStage):
    """A CSC stage that advances its power-iteration vector only in training mode; `linear`: no
    threshold and signed codes (lambda = 0, not a parameter)."""

    def __init__(self, c_img, c_code, size, stride, padding, iterations, linear=False):
        super().__init__(c_img, c_code, size, stride, padding, iterations)
        self.linear = linear
        if linear:
            del self.lam

    def forward(self, x):
        g = self.geometry
        w = unit_atoms(self.weight)
        with torch.no_grad():
            if self.training:
                self.power_vector.copy_(power_iteration(g, w, self.power_vector, POWER_STEPS))
            u = power_iteration(g, w, self.power_vector, POWER_STEPS)
            eta = STEP_SCALE / g.synthesis(u, w).square().sum()
        prox = (lambda v: v) if self.linear else (lambda v: F.relu(v - self.lam * eta))
        z = prox(eta * g.adjoint(x, w))
        for _ in range(self.iterations):
            z = prox(z - eta * g.adjoint(g.synthesis(z, w) - x, w))
        return z


def build():
    encoder = Encoder(FILTERS, ITERATIONS)
    channels = [1] + FILTERS
    for i in range(len(FILTERS)):
        encoder.stages[i] = Stage(channels[i], FILTERS[i], encoder.sizes[i], STRIDES[i], PADDINGS[i], ITERATIONS,
                                  linear=i == len(FILTERS) - 1)
    return encoder, Decoder(FILTERS, encoder.sizes)


def read_arrays(out, entry):
    """The arrays of one binary file of index.json, by name, as torch tensors."""
    data = open(os.path.join(out, entry['file']), 'rb').read()
    arrays = {}
    for name, a in entry['arrays'].items():
        count = int(np.prod(a['shape'])) if a['shape'] else 1
        values = np.frombuffer(data, dtype=a['dtype'], count=count, offset=a['offset']).reshape(a['shape'])
        arrays[name] = torch.from_numpy(values.copy())
    return arrays


def load_weights(encoder, decoder, weights):
    """Copies sparseland's weights (by `layer/weight`) into the PyTorch modules; every one must be used."""
    n = len(FILTERS)
    filters = lambda t: t.permute(3, 2, 0, 1)  # [k, k, C_img, C_code] -> [C_code, C_img, k, k]
    targets = {}
    for i, stage in enumerate(encoder.stages):
        targets[f'csc_{i + 1}/kernel'] = (stage.weight, filters)
        targets[f'csc_{i + 1}/power_vector'] = (stage.power_vector, lambda t: t.permute(0, 3, 1, 2))
        if not stage.linear:
            targets[f'csc_{i + 1}/lambda'] = (stage.lam, None)
    norms = [(f'csc_bn_{i + 1}', norm) for i, norm in enumerate(encoder.norms)]
    norms += [(f'bn_{n - 1 - j}', norm) for j, norm in enumerate(decoder.norms)]
    for name, norm in norms:
        for ours, theirs in [('gamma', norm.weight), ('beta', norm.bias), ('moving_mean', norm.running_mean),
                             ('moving_variance', norm.running_var)]:
            targets[f'{name}/{ours}'] = (theirs, None)
    for j, layer in enumerate(decoder.layers):
        targets[f'synthesis_{n - j}/kernel'] = (layer.weight, filters)
    unused = set(weights) - set(targets)
    # The linear stage's lambda is sparseland's non-trainable 0: no PyTorch counterpart.
    assert unused <= {f'csc_{n}/lambda'} and float(weights[f'csc_{n}/lambda']) == 0, unused
    assert set(targets) <= set(weights), set(targets) - set(weights)
    with torch.no_grad():
        for name, (tensor, layout) in targets.items():
            value = weights[name] if layout is None else layout(weights[name])
            assert tuple(value.shape) == tuple(tensor.shape), (name, value.shape, tensor.shape)
            tensor.copy_(value)


def nchw(images):
    return images.permute(0, 3, 1, 2).contiguous()


def psnr(encoder, decoder, x):
    """Mean PSNR of g(f(x)) against x, both models in inference mode, pixel range [-1, 1] (peak 2)."""
    encoder.eval()
    decoder.eval()
    with torch.no_grad():
        mse = (decoder(encoder(x)) - x).square().mean(dim=(1, 2, 3))
    encoder.train()
    decoder.train()
    return float((10 * torch.log10(4 / mse)).mean())


def check_forward(encoder, decoder, x, check):
    """Largest differences of Z and X_hat from sparseland's, training mode then inference mode; the
    training pass's changes (power vectors, batch-norm statistics) are put back after both."""
    state = [{k: v.clone() for k, v in m.state_dict().items()} for m in (encoder, decoder)]
    diffs = {}
    for mode in ('training', 'inference'):
        encoder.train(mode == 'training')
        decoder.train(mode == 'training')
        with torch.no_grad():
            z = encoder(x)
            x_hat = decoder(z)
        diffs[f'z_{mode}'] = float((z - check[f'z_{mode}']).abs().max())
        diffs[f'xHat_{mode}'] = float((x_hat.permute(0, 2, 3, 1) - check[f'xHat_{mode}']).abs().max())
        diffs[f'max|z|_{mode}'] = float(check[f'z_{mode}'].abs().max())
    encoder.load_state_dict(state[0])
    decoder.load_state_dict(state[1])
    encoder.train()
    decoder.train()
    return diffs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--out', default='out/parity')
    parser.add_argument('--rounds', type=int)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--eval-every', type=int)
    parser.add_argument('--log', default='pytorch.jsonl')
    parser.add_argument('--perturb', type=float, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    index = json.load(open(os.path.join(args.out, 'index.json')))
    rounds = args.rounds or index['rounds']
    eval_every = args.eval_every or index['evalEvery']
    batch = index['batch']
    assert index['model']['filters'] == FILTERS and index['trainer']['mode'] == 'multi', index
    assert rounds <= index['rounds'], f'only {index["rounds"]} batches stored'

    encoder, decoder = build()
    load_weights(encoder, decoder, read_arrays(args.out, index['weights']))
    images = nchw(read_arrays(args.out, index['trainImages'])['images'])
    labels = read_arrays(args.out, index['trainLabels'])['labels'].long()
    test = nchw(read_arrays(args.out, index['testImages'])['images'])
    if args.perturb:
        generator = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for p in [*encoder.parameters(), *decoder.parameters()]:
                p.mul_(1 + args.perturb * torch.randn(p.shape, generator=generator))
        diffs = {'perturb': args.perturb}
    else:
        diffs = check_forward(encoder, decoder, images[:batch], read_arrays(args.out, index['check']))
        print('largest |PyTorch - sparseland| on the first batch:', json.dumps(diffs), flush=True)

    trainer = index['trainer']
    loop = ClosedLoop(encoder, decoder, 'multi', learning_rate=trainer['learningRate'], classes=trainer['numClasses'])
    for optimizer in (loop.encoder_optimizer, loop.decoder_optimizer):
        optimizer.param_groups[0]['betas'] = (trainer['beta1'], trainer['beta2'])
    log = os.path.join(args.out, args.log)
    with open(log, 'w') as f:
        f.write(json.dumps({'round': 0, 'psnr': psnr(encoder, decoder, test), 'check': diffs}) + '\n')
    start = time.perf_counter()
    for r in range(rounds):
        x, y = images[r * batch:(r + 1) * batch], labels[r * batch:(r + 1) * batch]
        t0 = time.perf_counter()
        encoder_terms, decoder_terms = loop.round(x, y)
        line = {'round': r + 1, 'seconds': time.perf_counter() - t0, 'encoder': encoder_terms, 'decoder': decoder_terms}
        if (r + 1) % eval_every == 0 or r + 1 == rounds:
            line['psnr'] = psnr(encoder, decoder, test)
        with open(log, 'a') as f:
            f.write(json.dumps(line) + '\n')
        if (r + 1) % 10 == 0:
            print(f'round {r + 1}/{rounds}: encoder {encoder_terms["objective"]:.3f}, decoder '
                  f'{decoder_terms["objective"]:.3f}' + (f', PSNR {line["psnr"]:.2f} dB' if 'psnr' in line else '') +
                  f' ({time.perf_counter() - start:.0f} s)', flush=True)
    print(f'{rounds} rounds in {time.perf_counter() - start:.0f} s; log {log}')


if __name__ == '__main__':
    main()
