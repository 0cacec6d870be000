"""CSC-CTRL training throughput in PyTorch (CPU): the network of sparseland's `cscCtrl` model and one
round of its `ClosedLoopTrainer`, for scripts/bench/ctrl.ts.

Network (NCHW; the filters W of a stage are conv2d's [C_code, C_img, k, k], sparseland's
[k, k, C_img, C_code] permuted (3, 2, 0, 1)):
- encoder: per stage, K unrolled ISTA steps of the non-negative convolutional LASSO with unit-norm atoms,
  z0 = ReLU(eta A^T x - eta lam), z <- ReLU(z - eta A^T(A z - x) - eta lam), A z = conv_transpose2d(z, W),
  A^T x = conv2d(x, W) with TensorFlow's 'same'/'valid' padding, eta = 0.9 / L, L = ||A||^2 by power iteration
  outside autograd (each training pass advances the stored vector by 2 steps and takes L after 2 more, as
  CscStage.call does), lam learned; batch normalisation (eps 1e-3, tfjs's default) between stages; features
  flattened in NHWC order and scaled to unit norm;
- decoder: per stage in reverse, synthesis conv_transpose2d with its own filters (not normalised,
  initialised N(0, 0.02^2) as the DCGAN generator's), batch normalisation and ReLU between, tanh at the end;
- objective: binary CTRL, Delta R(Z, Zhat) = R(Z u Zhat) - (R(Z) + R(Zhat)) / 2, or multi-class CTRL,
  R(Z) = 1/2 logdet(I + d/(m eps^2) Z^T Z) by Cholesky, eps^2 = 0.5;
- one round: Z = f(X), X_hat = g(Z) without gradient, an Adam step of the encoder up T(Z, f(X_hat));
  Z = f(X) without gradient, an Adam step of the decoder down T(Z, f(g(Z))) (the encoder's weights get no
  gradient in that step); Adam(1.5e-4, betas (0.5, 0.999), eps 1e-7 as tfjs); training mode throughout.

Times `--rounds` rounds after `--warmup` on a batch of random 32x32x1 images in [-1, 1] (in 'multi' mode
image i has label i mod 10, as in scripts/bench/ctrl.ts) and prints the median round time and images/s as
JSON on the last line.
Options: --filters 64,128,256,128 --iterations 2 --batch 128 --mode binary|multi --threads 2 --rounds 5
--warmup 1. The classes are importable (scripts/reference/golden_csc_ctrl.py builds the same network).
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

SIZE, CHANNELS, KERNEL = 32, 1, 4
STRIDES, PADDINGS = [2, 2, 2, 1], ['same', 'same', 'same', 'valid']
LAMBDA, STEP_SCALE, POWER_STEPS, BUILD_POWER_STEPS = 0.1, 0.9, 2, 200
EPSILON_SQUARED, LEARNING_RATE, BETAS, ADAM_EPS = 0.5, 1.5e-4, (0.5, 0.999), 1e-7
BN_EPS, BN_MOMENTUM, CLASSES, DECODER_STD = 1e-3, 0.1, 10, 0.02


class Geometry:
    """conv2d / conv2d_transpose of a k x k, stride s filter on an n x n signal as TensorFlow pads them:
    'same': total = max((ceil(n/s) - 1) s + k - n, 0), top = total // 2, bottom = the rest; 'valid': none."""

    def __init__(self, size, kernel, stride, padding):
        self.size, self.stride = size, stride
        if padding == 'same':
            self.code = math.ceil(size / stride)
            total = max((self.code - 1) * stride + kernel - size, 0)
            self.top, self.bottom = total // 2, total - total // 2
        else:
            self.code = (size - kernel) // stride + 1
            self.top = self.bottom = 0

    def adjoint(self, x, w):
        if self.top == self.bottom:
            return F.conv2d(x, w, stride=self.stride, padding=self.top)
        return F.conv2d(F.pad(x, (self.top, self.bottom, self.top, self.bottom)), w, stride=self.stride)

    def synthesis(self, z, w):
        out = F.conv_transpose2d(z, w, stride=self.stride, padding=self.top)
        extra = self.size - out.shape[-1]  # rows the filter never reaches are 0; rows past the signal are cut
        if extra > 0:
            return F.pad(out, (0, extra, 0, extra))
        return out[..., :self.size, :self.size]


def unit_atoms(w):
    """Each atom (output channel of conv2d, dims C_img x k x k) scaled to unit norm, as normalizeAtoms."""
    return w / (w.square().sum(dim=(1, 2, 3), keepdim=True) + 1e-24).sqrt()


def unit(v):
    return v / (v.square().sum().sqrt() + 1e-30)


def power_iteration(geometry, w, u, steps):
    u = unit(u)
    for _ in range(steps):
        u = unit(geometry.adjoint(geometry.synthesis(u, w), w))
    return u


class CscStage(nn.Module):
    """One CSC stage of the encoder, in training mode (see the module comment)."""

    def __init__(self, c_img, c_code, size, stride, padding, iterations):
        super().__init__()
        self.geometry = Geometry(size, KERNEL, stride, padding)
        self.iterations = iterations
        self.weight = nn.Parameter(nn.init.xavier_normal_(torch.empty(c_code, c_img, KERNEL, KERNEL)))
        self.lam = nn.Parameter(torch.tensor(LAMBDA))
        code = self.geometry.code
        with torch.no_grad():
            start = torch.randn(1, c_code, code, code)
            self.register_buffer('power_vector', power_iteration(self.geometry, unit_atoms(self.weight), start,
                                                                 BUILD_POWER_STEPS))

    def forward(self, x):
        g = self.geometry
        w = unit_atoms(self.weight)
        with torch.no_grad():
            self.power_vector.copy_(power_iteration(g, w, self.power_vector, POWER_STEPS))
            u = power_iteration(g, w, self.power_vector, POWER_STEPS)
            eta = STEP_SCALE / g.synthesis(u, w).square().sum()
        threshold = self.lam * eta
        z = F.relu(eta * g.adjoint(x, w) - threshold)
        for _ in range(self.iterations):
            z = F.relu(z - eta * g.adjoint(g.synthesis(z, w) - x, w) - threshold)
        return z


class Synthesis(nn.Module):
    """A decoder layer: conv_transpose2d of the code with its own filters."""

    def __init__(self, c_img, c_code, size, stride, padding):
        super().__init__()
        self.geometry = Geometry(size, KERNEL, stride, padding)
        self.weight = nn.Parameter(nn.init.normal_(torch.empty(c_code, c_img, KERNEL, KERNEL), std=DECODER_STD))

    def forward(self, z):
        return self.geometry.synthesis(z, self.weight)


def batch_norm(channels):
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)


class Encoder(nn.Module):
    def __init__(self, filters, iterations):
        super().__init__()
        sizes, channels = [SIZE], [CHANNELS] + list(filters)
        self.stages = nn.ModuleList()
        for i, f in enumerate(filters):
            self.stages.append(CscStage(channels[i], f, sizes[i], STRIDES[i], PADDINGS[i], iterations))
            sizes.append(self.stages[i].geometry.code)
        self.norms = nn.ModuleList(batch_norm(f) for f in filters[:-1])
        self.sizes = sizes

    def forward(self, x):
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i < len(self.norms):
                x = self.norms[i](x)
        z = x.permute(0, 2, 3, 1).flatten(1)
        return z * torch.rsqrt(torch.clamp(z.square().sum(dim=1, keepdim=True), min=1e-12))


class Decoder(nn.Module):
    def __init__(self, filters, sizes):
        super().__init__()
        channels = [CHANNELS] + list(filters)
        self.code_shape = (sizes[-1], sizes[-1], filters[-1])
        order = range(len(filters) - 1, -1, -1)
        self.layers = nn.ModuleList(Synthesis(channels[i], filters[i], sizes[i], STRIDES[i], PADDINGS[i])
                                    for i in order)
        self.norms = nn.ModuleList(batch_norm(channels[i]) for i in order if i > 0)

    def forward(self, z):
        x = z.reshape(-1, *self.code_shape).permute(0, 3, 1, 2)
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.norms):
                x = F.relu(self.norms[i](x))
        return torch.tanh(x)


def coding_rate(z):
    """R(Z) = 1/2 logdet(I + alpha Z^T Z) = 1/2 logdet(I + alpha Z Z^T), alpha = d / (m eps^2), the smaller form."""
    m, d = z.shape
    gram = z @ z.T if m < d else z.T @ z
    matrix = torch.eye(gram.shape[0], dtype=z.dtype) + (d / (m * EPSILON_SQUARED)) * gram
    return torch.linalg.cholesky(matrix).diagonal().log().sum()


def ctrl_binary(z, z_hat):
    r_union, r_z, r_z_hat = coding_rate(torch.cat([z, z_hat])), coding_rate(z), coding_rate(z_hat)
    return {'objective': r_union - 0.5 * (r_z + r_z_hat), 'rUnion': r_union, 'rZ': r_z, 'rZHat': r_z_hat}


def ctrl_multi(z, z_hat, labels, classes):
    """gamma = (1, 1, 1): Delta R(Z) + Delta R(Zhat) + sum_j Delta R(Z_j, Zhat_j), classes without rows add 0."""
    m = z.shape[0]
    rows = [torch.nonzero(labels == j).flatten() for j in range(classes)]
    rows = [r for r in rows if len(r) > 0]
    rates = [coding_rate(z[r]) for r in rows]
    hat_rates = [coding_rate(z_hat[r]) for r in rows]
    delta_z = coding_rate(z) - sum(len(r) / m * rate for r, rate in zip(rows, rates))
    delta_z_hat = coding_rate(z_hat) - sum(len(r) / m * rate for r, rate in zip(rows, hat_rates))
    pairs = sum(coding_rate(torch.cat([z[r], z_hat[r]])) - 0.5 * (a + b) for r, a, b in zip(rows, rates, hat_rates))
    return {'objective': delta_z + delta_z_hat + pairs, 'deltaRZ': delta_z, 'deltaRZHat': delta_z_hat,
            'deltaRPairs': pairs}


class ClosedLoop:
    """Alternating Adam steps of the CTRL minimax, one encoder step per decoder step."""

    def __init__(self, encoder, decoder, mode, learning_rate=LEARNING_RATE, classes=CLASSES):
        self.encoder, self.decoder, self.mode, self.classes = encoder, decoder, mode, classes
        self.encoder_optimizer = torch.optim.Adam(encoder.parameters(), lr=learning_rate, betas=BETAS, eps=ADAM_EPS)
        self.decoder_optimizer = torch.optim.Adam(decoder.parameters(), lr=learning_rate, betas=BETAS, eps=ADAM_EPS)

    def objective(self, z, z_hat, labels):
        return ctrl_binary(z, z_hat) if self.mode == 'binary' else ctrl_multi(z, z_hat, labels, self.classes)

    def round(self, x, labels=None):
        """One round; returns the terms at the encoder's step and at the decoder's step (before each update)."""
        f, g = self.encoder, self.decoder
        self.encoder_optimizer.zero_grad(set_to_none=True)
        z = f(x)
        with torch.no_grad():
            x_hat = g(z)
        encoder_terms = self.objective(z, f(x_hat), labels)
        (-encoder_terms['objective']).backward()
        self.encoder_optimizer.step()
        with torch.no_grad():
            z = f(x)
        self.decoder_optimizer.zero_grad(set_to_none=True)
        f.requires_grad_(False)
        try:
            decoder_terms = self.objective(z, f(g(z)), labels)
            decoder_terms['objective'].backward()
        finally:
            f.requires_grad_(True)
        self.decoder_optimizer.step()
        values = lambda terms: {k: float(t) for k, t in terms.items()}
        return values(encoder_terms), values(decoder_terms)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--filters', default='64,128,256,128')
    parser.add_argument('--iterations', type=int, default=2)
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--mode', choices=['binary', 'multi'], default='binary')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=1)
    args = parser.parse_args()
    filters = [int(f) for f in args.filters.split(',')]
    if len(filters) != len(STRIDES):
        parser.error(f'--filters must list {len(STRIDES)} stages, got {args.filters}')
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    encoder = Encoder(filters, args.iterations)
    decoder = Decoder(filters, encoder.sizes)
    loop = ClosedLoop(encoder, decoder, args.mode)
    x = 2 * torch.rand(args.batch, CHANNELS, SIZE, SIZE) - 1
    labels = torch.arange(args.batch) % CLASSES
    for _ in range(args.warmup):
        loop.round(x, labels)
    times = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        loop.round(x, labels)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    print(json.dumps({'workload': 'csc_ctrl_round', 'filters': filters, 'iterations': args.iterations,
                      'batch': args.batch, 'mode': args.mode, 'median_ms': median * 1e3,
                      'images_per_s': args.batch / median, 'threads': torch.get_num_threads(),
                      'torch': torch.__version__}))


if __name__ == '__main__':
    main()
