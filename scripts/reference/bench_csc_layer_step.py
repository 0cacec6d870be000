"""Workload A' in PyTorch (CPU): one training step of the network that sparseland's cscStage layer
computes in scripts/bench/csc_layer_step.ts, with the same shapes as workload A.

W of shape [64, 3, 3, 3] (conv2d's [out, in, kh, kw]), A z = conv_transpose2d(z, W), A^T x = conv2d(x, W),
stride 1, padding 1; z = ReLU(eta A^T x - eta lambda), then four steps
z <- ReLU(z - eta A^T(A z - x) - eta lambda) (five thresholdings in all, as in workload A, without its
first product with z = 0); loss ||x - A z||^2 + mean|z|; one SGD update of W, lambda and the learned step eta.
Prints the median step time as JSON on the last line; `--threads N` sets torch's thread count.
"""
import torch
import torch.nn.functional as F

from step_timing import parse_args, report_median_step

BATCH, SIZE, CHANNELS, ATOMS, KERNEL, ITERATIONS = 32, 32, 3, 64, 3, 4
ETA, LAMBDA, LEARNING_RATE = 0.1, 0.1, 1e-3


def main():
    args = parse_args()
    x = torch.rand(BATCH, CHANNELS, SIZE, SIZE)
    w = (0.1 * torch.randn(ATOMS, CHANNELS, KERNEL, KERNEL)).requires_grad_()
    lam = torch.tensor(LAMBDA, requires_grad=True)
    eta = torch.tensor(ETA, requires_grad=True)
    optimizer = torch.optim.SGD([w, lam, eta], lr=LEARNING_RATE)

    def step():
        optimizer.zero_grad()
        z = torch.relu(eta * F.conv2d(x, w, padding=1) - eta * lam)
        for _ in range(ITERATIONS):
            residual = F.conv_transpose2d(z, w, padding=1) - x
            z = torch.relu(z - eta * F.conv2d(residual, w, padding=1) - eta * lam)
        loss = (x - F.conv_transpose2d(z, w, padding=1)).square().sum() + z.abs().mean()
        loss.backward()
        optimizer.step()
        return loss.item()

    report_median_step('csc_layer_step', step, args)


if __name__ == '__main__':
    main()
