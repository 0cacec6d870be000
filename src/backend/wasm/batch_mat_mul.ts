/**
 * `BatchMatMul` and `_FusedMatMul` on wasm with the transposes done by the `Transpose` kernel.
 *
 * The stock kernels are fast (XNNPACK) only for untransposed rank-3 operands with one batch
 * entry: `op(A)·op(B)` is computed as `A'·B'` with `A' = op(A)`, `B' = op(B)` materialised.
 * A batch is folded into the rows of `A'` when `B` is shared (`[n, m, k]·[1, k, l]` is
 * `[1, n·m, k]·[1, k, l]`), and otherwise split into one product per batch entry when the
 * matrices are large enough for that to pay (not with PReLU weights, which may vary by row).
 */
import * as tf from '@tensorflow/tfjs';
import {KernelArgs, WasmOps, compose} from './wasm_ops';

type Info = tf.TensorInfo;

/** Products with at least this many multiply-adds per batch entry run one entry at a time. */
const SPLIT_MIN_MACS = 1 << 15;

function swapLast(ops: WasmOps, x: Info): Info {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return ops.transpose(x, perm);
}

/** `x` as `[batch, rows, cols]`. */
function as3d(ops: WasmOps, x: Info): Info {
  const r = x.shape.length;
  const batch = x.shape.slice(0, r - 2).reduce((p, d) => p * d, 1);
  return ops.reshape(x, [batch, x.shape[r - 2], x.shape[r - 1]]);
}

/**
 * `a·b` for untransposed operands by the stock kernel `name`, with `attrs` and `extra`
 * inputs passed through; returns a `[batch, m, l]` result.
 */
function product(ops: WasmOps, name: string, a: Info, b: Info, extra: Record<string, Info>,
                 attrs: object): Info {
  const [na, m, k] = a.shape;
  const [nb, , l] = b.shape;
  const untransposed = {...attrs, transposeA: false, transposeB: false};
  if (extra.preluActivationWeights != null) return ops.run(name, {a, b, ...extra}, untransposed);
  if (nb === 1 && na > 1) {
    const out = ops.run(name, {a: ops.reshape(a, [1, na * m, k]), b, ...extra}, untransposed);
    return ops.reshape(out, [na, m, l]);
  }
  if (na === 1 && nb === 1 || m * k * l < SPLIT_MIN_MACS || (na !== nb && na !== 1)) {
    return ops.run(name, {a, b, ...extra}, untransposed);
  }
  const n = Math.max(na, nb);
  const parts: Info[] = [];
  for (let i = 0; i < n; i++) {
    const ai = na === 1 ? a : ops.slice(a, [i, 0, 0], [1, m, k]);
    const bi = ops.slice(b, [i, 0, 0], [1, k, l]);
    parts.push(ops.run(name, {a: ai, b: bi, ...extra}, untransposed));
  }
  return ops.concat(parts, 0);
}

function matMul(name: string, inputs: Record<string, Info>, backend: object,
                attrs: tf.NamedAttrMap): Info {
  const {a, b, ...extra} = inputs;
  const {transposeA, transposeB} = attrs as unknown as tf.BatchMatMulAttrs;
  return compose(backend as tf.KernelBackend, (ops) => {
    const a3 = as3d(ops, transposeA ? swapLast(ops, a) : a);
    const b3 = as3d(ops, transposeB ? swapLast(ops, b) : b);
    const out = product(ops, name, a3, b3, extra as Record<string, Info>, attrs);
    const batch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2),
                                                              b.shape.slice(0, -2));
    return ops.reshape(out, [...batch, a3.shape[1], b3.shape[2]]);
  });
}

export function batchMatMul(
    {inputs, backend, attrs}: KernelArgs,
): Info {
  return matMul('BatchMatMul', inputs, backend, attrs ?? {});
}

export function fusedMatMul(
    {inputs, backend, attrs}: KernelArgs,
): Info {
  return matMul('_FusedMatMul', inputs, backend, attrs ?? {});
}
