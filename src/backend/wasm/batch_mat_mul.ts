/**
 * `BatchMatMul` and `_FusedMatMul` on wasm with the transposes done by the `Transpose` kernel.
 *
 * The stock kernels are fast (XNNPACK) only for untransposed rank-3 operands with one batch
 * entry: `op(A)·op(B)` is computed as `A'·B'` with `A' = op(A)`, `B' = op(B)` materialised.
 * A batch is folded into the rows of `A'` when `B` is shared (`[n, m, k]·[1, k, l]` is
 * `[1, n·m, k]·[1, k, l]`), and otherwise split into one product per batch entry when the
 * matrices are large enough for that to pay (not with PReLU weights, which may vary by row).
 *
 * XNNPACK packs the right operand `B'` afresh for every new tensor, and the transposes are
 * copies too, so for an `m×k · k×l` product the floats moved are
 *   `[op(A) = Aᵀ]·m·k + [op(B) = Bᵀ]·k·l + k·l`  (transposes, then the packing of `B'`).
 * Without bias or PReLU inputs, and with equal batches, the product may instead be computed
 * as `(op(A)·op(B))ᵀ = op(B)ᵀ·op(A)ᵀ`, where `op(B)ᵀ` is `B` itself when `op(B) = Bᵀ`
 * (likewise for `A`), moving
 *   `[op(B) = B]·k·l + [op(A) = A]·m·k + m·k + m·l`  (transposes, packing, result transpose);
 * the cheaper of the two runs. For `A·Bᵀ` with a large square `B` (the input gradient of a
 * product with a weight matrix) that packs the small `Aᵀ` instead of the large `Bᵀ`.
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
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [m, k] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const l = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2),
                                                            b.shape.slice(0, -2));
  const direct = (transposeA ? m * k : 0) + (transposeB ? k * l : 0) + k * l;
  const swapped = (transposeB ? 0 : k * l) + (transposeA ? 0 : m * k) + m * k + m * l;
  const sameBatch = a.shape.slice(0, -2).reduce((p, d) => p * d, 1) ===
                    b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const swap = Object.keys(extra).length === 0 && sameBatch && swapped < direct;
  return compose(backend as tf.KernelBackend, (ops) => {
    const out = swap
      ? swapLast(ops, product(ops, name, as3d(ops, transposeB ? b : swapLast(ops, b)),
                              as3d(ops, transposeA ? a : swapLast(ops, a)), extra, attrs))
      : product(ops, name, as3d(ops, transposeA ? swapLast(ops, a) : a),
                as3d(ops, transposeB ? swapLast(ops, b) : b), extra as Record<string, Info>, attrs);
    return ops.reshape(out, [...batch, m, l]);
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
