"""Inference of the models of scripts/bench/onnx.ts in PyTorch (CPU, eager, torch.no_grad()),
with the weights the driver writes to `--dir` (manifest.json and raw little-endian float32 files,
tfjs layouts: conv kernels [kh, kw, C_in, C_out], images NHWC).

Each network runs in PyTorch's own layout (NCHW, conv2d weights [C_out, C_in, kh, kw]); TF 'same'
padding with stride 1 and odd kernels is conv2d's symmetric padding (k - 1) / 2, 'valid' is
padding 0 with conv_transpose2d's output_padding set to reach the signal's size.

- conv: three conv2d 3x3 'same' + bias + ReLU.
- csc / cscae: the cscStage encoder with the constants the ONNX export bakes in (normalised
  atoms W, eta W, theta = lambda eta), arranged as the exported graph: z = ReLU(conv2d(x, eta W,
  bias -theta)), then `iterations` times z = ReLU(conv2d(x - conv_transpose2d(z, W), eta W,
  bias -theta) + z); cscae adds conv_transpose2d(z, W).
- lista: z = S_theta0(x We_0), z = S_thetak(addmm(x We_k, z, S_k)) (softshrink), 16 iterations.
- mlista: layered thresholding G_i = ReLU(conv2d(G_{i-1}, W_i, b_i, stride s_i)), then
  `iterations` unfoldings (backward G^_{i-1} = D_i G^_i, forward
  G_i = ReLU(conv2d(G_{i-1} - D_i G^_i, c_i W_i, b_i) + G^_i)), flatten (NHWC order), dense, softmax.
- matmul: one product x @ W (2048x1024 by 1024x1024).

`--threads N` sets torch's thread count and OpenBLAS's (OPENBLAS_NUM_THREADS, set before torch is
imported); OMP_WAIT_POLICY=PASSIVE lets idle OpenMP threads sleep. Checks the output against
the tfjs output the driver wrote (max abs difference), then times
`--runs` forward passes after `--warmup`. Prints one JSON line: per model key the median ms,
the max abs difference and the output's largest magnitude.
"""
import argparse
import json
import os
import statistics
import sys
import time


def parse_args(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument('--dir', required=True)
    parser.add_argument('--runs', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--threads', type=int, default=1)
    return parser.parse_args(argv)


if __name__ == '__main__':
    # torch.set_num_threads does not reach the OpenBLAS that Debian's torch does its matrix
    # products with (it starts one thread per core); OpenBLAS reads its count when torch loads it.
    os.environ['OPENBLAS_NUM_THREADS'] = str(parse_args(sys.argv[1:]).threads)
    # Idle OpenMP threads sleep instead of spinning, as the driver's onnxruntime threads do: on a
    # shared machine spinning threads slow everything (conv_transpose2d of the CSC stage on two
    # threads under load: 8.8-10.4 ms spinning, 2.8 ms passive).
    os.environ['OMP_WAIT_POLICY'] = 'PASSIVE'

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def load(directory, entry):
    with open(os.path.join(directory, entry['file']), 'rb') as f:
        data = bytearray(f.read())
    return torch.frombuffer(data, dtype=torch.float32).reshape(entry['shape']).clone()


def conv_weight(kernel):
    """tfjs [kh, kw, C_in, C_out] -> torch [C_out, C_in, kh, kw] (also conv_transpose2d's [C_code, C_img, kh, kw])."""
    return kernel.permute(3, 2, 0, 1).contiguous()


def same_padding(weight):
    kh, kw = weight.shape[2:]
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError('TF same padding is symmetric only for odd kernels')
    return ((kh - 1) // 2, (kw - 1) // 2)


def conv_net(m, t):
    layers = [(conv_weight(t['kernel%d' % i]), t['bias%d' % i]) for i in range(3)]

    def forward(x):
        for w, b in layers:
            x = F.relu(F.conv2d(x, w, b, padding=same_padding(w)))
        return x
    return forward


def csc_net(m, t, decode):
    s = m['scalars']
    eta, lam, iterations = s['eta'], s['lambda'], int(s['iterations'])
    w = conv_weight(t['dictionary'])
    eta_w = eta * w
    bias = torch.full((w.shape[0],), -lam * eta)
    pad = same_padding(w)

    def forward(x):
        z = F.relu(F.conv2d(x, eta_w, bias, padding=pad))
        for _ in range(iterations):
            residual = x - F.conv_transpose2d(z, w, padding=pad)
            z = F.relu(F.conv2d(residual, eta_w, bias, padding=pad).add_(z))
        return F.conv_transpose2d(z, w, padding=pad) if decode else z
    return forward


def lista_net(m, t):
    iterations = int(m['scalars']['iterations'])
    we = [t['We_%d' % k] for k in range(iterations)]
    s = [None] + [t['S_%d' % k] for k in range(1, iterations)]
    theta = t['theta'].tolist()

    def forward(x):
        z = F.softshrink(x @ we[0], theta[0])
        for k in range(1, iterations):
            z = F.softshrink(torch.addmm(x @ we[k], z, s[k]), theta[k])
        return z
    return forward


def ml_ista_net(m, t):
    sc = m['scalars']
    iterations = int(sc['iterations'])
    depth = sum(1 for name in t if name.startswith('kernel_'))
    w = [conv_weight(t['kernel_%d' % (i + 1)]) for i in range(depth)]
    b = [t['bias_%d' % (i + 1)].reshape(1, -1, 1, 1) for i in range(depth)]
    c = [float(t['step_%d' % (i + 1)].reshape(-1)[0]) for i in range(depth)]
    step_w = [c[i] * w[i] for i in range(depth)]
    strides = [int(sc['stride_%d' % (i + 1)]) for i in range(depth)]
    dense_w, dense_b = t['dense_kernel'], t['dense_bias']
    sizes = [tuple(m['input']['shape'][1:3])]
    for i in range(depth):
        k = w[i].shape[2:]
        sizes.append(tuple((sizes[-1][j] - k[j]) // strides[i] + 1 for j in range(2)))

    def synthesis(i, z):
        k = w[i].shape[2:]
        extra = tuple(sizes[i][j] - ((sizes[i + 1][j] - 1) * strides[i] + k[j]) for j in range(2))
        return F.conv_transpose2d(z, w[i], stride=strides[i], output_padding=extra)

    def forward(x):
        codes = [x]
        for i in range(depth):
            codes.append(F.relu(F.conv2d(codes[i], w[i], b[i].reshape(-1), stride=strides[i])))
        top = codes[depth]
        for _ in range(iterations):
            hat = [top]
            for i in range(depth - 1, 0, -1):
                hat.insert(0, synthesis(i, hat[0]))
            previous = x
            for i in range(depth):
                step = F.conv2d(previous - synthesis(i, hat[i]), step_w[i], b[i].reshape(-1), stride=strides[i])
                previous = F.relu(step.add_(hat[i]))
            top = previous
        flat = top.permute(0, 2, 3, 1).reshape(top.shape[0], -1)
        return torch.softmax(flat @ dense_w + dense_b, dim=-1)
    return forward


NETS = {
    'conv': conv_net,
    'csc': lambda m, t: csc_net(m, t, False),
    'cscae': lambda m, t: csc_net(m, t, True),
    'lista': lista_net,
    'mlista': ml_ista_net,
    'matmul': lambda m, t: lambda x: x @ t['kernel'],
}


def main():
    args = parse_args(sys.argv[1:])
    torch.set_num_threads(args.threads)
    with open(os.path.join(args.dir, 'manifest.json')) as f:
        manifest = json.load(f)
    results = {}
    with torch.no_grad():
        for m in manifest['models']:
            tensors = {name: load(args.dir, entry) for name, entry in m['tensors'].items()}
            forward = NETS[m['key']](m, tensors)
            x = load(args.dir, m['input'])
            if x.dim() == 4:
                x = x.permute(0, 3, 1, 2).contiguous()
            expected = load(args.dir, m['output'])
            y = forward(x)
            if y.dim() == 4:
                y = y.permute(0, 2, 3, 1)
            diff = (y - expected).abs().max().item()
            for _ in range(args.warmup):
                forward(x)
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                forward(x)
                times.append((time.perf_counter() - t0) * 1e3)
            results[m['key']] = {'median_ms': statistics.median(times), 'max_abs_diff': diff,
                                 'output_scale': expected.abs().max().item()}
    print(json.dumps({'threads': torch.get_num_threads(), 'torch': torch.__version__, 'models': results}))


if __name__ == '__main__':
    main()
