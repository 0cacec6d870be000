"""Workload A in PyTorch (CPU, 2 threads): one training step of the CSC encoder of
scripts/bench/csc_step.ts. Prints the median step time as JSON on the last line.

A z = conv_transpose2d(z, W) and A^T x = conv2d(x, W) with W of shape [64, 3, 3, 3]
(PyTorch's [C_code, C_img, kh, kw] for conv2d's weight [out, in, kh, kw] is [64, 3, 3, 3]),
stride 1, padding 1 ('same'); z <- ReLU(z - eta A^T(A z - x) - eta lambda) five times
from z = 0; loss ||x - A z||^2 + mean|z|; one SGD update of W and lambda.
`--threads N` runs it on N threads instead.
"""
import torch
import torch.nn.functional as F

from step_timing import parse_args, report_median_step

BATCH, SIZE, CHANNELS, ATOMS, KERNEL, ITERATIONS = 32, 32, 3, 64, 3, 5
ETA, LAMBDA, LEARNING_RATE = 0.1, 0.1, 1e-3


def main():
    args = parse_args()
    x = torch.rand(BATCH, CHANNELS, SIZE, SIZE)
    w = (0.1 * torch.randn(ATOMS, CHANNELS, KERNEL, KERNEL)).requires_grad_()
    lam = torch.tensor(LAMBDA, requires_grad=True)
    optimizer = torch.optim.SGD([w, lam], lr=LEARNING_RATE)
    pad = KERNEL // 2

    def step():
        optimizer.zero_grad()
        z = torch.zeros(BATCH, ATOMS, SIZE, SIZE)
        for _ in range(ITERATIONS):
            residual = F.conv_transpose2d(z, w, padding=pad) - x
            z = torch.relu(z - ETA * F.conv2d(residual, w, padding=pad) - ETA * lam)
        loss = (x - F.conv_transpose2d(z, w, padding=pad)).square().sum() + z.abs().mean()
        loss.backward()
        optimizer.step()
        return loss.item()

    report_median_step('csc_step', step, args)


if __name__ == '__main__':
    main()
