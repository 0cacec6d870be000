"""Workload C in PyTorch (CPU, 2 threads): one training step of the 16-layer untied LISTA of
scripts/bench/lista_step.ts. Prints the median step time as JSON on the last line.

z <- S_theta_k(x W_k + z S_k) from z = 0, W_k [250, 500], S_k [500, 500], scalar theta_k,
batch 64, S_theta(v) = ReLU(v - theta) - ReLU(-v - theta); loss ||z - z*||^2; one SGD update.
`--threads N` runs it on N threads instead.
"""
import torch

from step_timing import parse_args, report_median_step

BATCH, M, N, LAYERS, THETA, LEARNING_RATE = 64, 250, 500, 16, 0.1, 1e-4


def main():
    args = parse_args()
    x = torch.randn(BATCH, M)
    target = torch.randn(BATCH, N)
    w = [(torch.randn(M, N) / M ** 0.5).requires_grad_() for _ in range(LAYERS)]
    s = [(torch.randn(N, N) / N ** 0.5).requires_grad_() for _ in range(LAYERS)]
    thetas = [torch.tensor(THETA, requires_grad=True) for _ in range(LAYERS)]
    optimizer = torch.optim.SGD(w + s + thetas, lr=LEARNING_RATE)

    def step():
        optimizer.zero_grad()
        z = torch.zeros(BATCH, N)
        for k in range(LAYERS):
            v = x @ w[k] + z @ s[k]
            z = torch.relu(v - thetas[k]) - torch.relu(-v - thetas[k])
        loss = (z - target).square().sum()
        loss.backward()
        optimizer.step()
        return loss.item()

    report_median_step('lista_step', step, args)


if __name__ == '__main__':
    main()
