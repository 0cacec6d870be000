"""What the training-step references share: their command line and the timing of one step.

`--runs N` timed steps after `--warmup N` untimed ones, on `--threads N` threads; the median step
time is printed as JSON on the last line, which scripts/bench/run.ts reads.
"""
import argparse
import json
import statistics
import time

import torch


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    return args


def report_median_step(workload, step, args):
    """Runs `step` `args.warmup` times, then times `args.runs` runs and prints their median."""
    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({'workload': workload, 'median_ms': statistics.median(times),
                      'threads': torch.get_num_threads(), 'torch': torch.__version__}))
