/**
 * Calls into the wasm backend's own kernels from inside a kernel, and frees every
 * intermediate: a composed kernel is a sequence of stock kernel calls on `TensorInfo`s.
 */
import * as tf from '@tensorflow/tfjs';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {slice} from './slice';

type Info = tf.TensorInfo;
type Pads = [number, number][];

/** What the engine passes to a kernel function. */
export interface KernelArgs {
  inputs: Record<string, Info>;
  backend: object;
  attrs?: tf.NamedAttrMap;
}

/** Stock kernel functions that sparseland replaces, captured before it unregisters them. */
const replaced = new Map<string, tf.KernelFunc>();

/** Remembers the stock wasm kernel `name` before it is unregistered. */
export function captureStock(name: string): void {
  const config = tf.getKernel(name, 'wasm');
  if (config != null && !replaced.has(name)) replaced.set(name, config.kernelFunc);
}

/** The stock wasm kernel `name` (the one sparseland replaced, if it did). */
export function stock(name: string): tf.KernelFunc {
  const func = replaced.get(name) ?? tf.getKernel(name, 'wasm')?.kernelFunc;
  if (func == null) throw new Error(`sparseland: the wasm backend has no '${name}' kernel`);
  return func;
}

/**
 * A scope of stock kernel calls on one backend. Every result is recorded; `compose` frees all
 * of them except the one it returns.
 */
export class WasmOps {
  private readonly made: Info[] = [];

  constructor(readonly backend: tf.KernelBackend) {}

  /** Runs the stock kernel `name` and records its (single) output. */
  run(name: string, inputs: Record<string, Info>, attrs: object = {}): Info {
    const out = stock(name)({inputs, backend: this.backend, attrs: attrs as tf.NamedAttrMap}) as Info;
    this.made.push(out);
    return out;
  }

  /** Frees every recorded result except `keep`. */
  release(keep?: Info): void {
    for (const info of this.made) {
      if (info !== keep) this.backend.disposeData(info.dataId);
    }
    this.made.length = 0;
  }

  /** A new float32 tensor of `shape`, its values not set. */
  empty(shape: number[]): Info {
    const out = (this.backend as unknown as BackendWasm).makeOutput(shape, 'float32');
    this.made.push(out);
    return out;
  }

  /** A new float32 tensor holding `values`. */
  constant(values: Float32Array, shape: number[]): Info {
    const out = (this.backend as unknown as BackendWasm).makeOutput(shape, 'float32', undefined,
                                                                     values);
    this.made.push(out);
    return out;
  }

  reshape(x: Info, shape: number[]): Info {
    return this.run('Reshape', {x}, {shape});
  }

  transpose(x: Info, perm: number[]): Info {
    return this.run('Transpose', {x}, {perm});
  }

  /** Pads with `value`; `paddings[i] = [before, after]`, both ≥ 0. */
  pad(x: Info, paddings: Pads, value = 0): Info {
    return this.run('PadV2', {x}, {paddings, constantValue: value});
  }

  /** sparseland's `Slice`, which reads `x` in place. */
  slice(x: Info, begin: number[], size: number[]): Info {
    const out = slice({inputs: {x}, backend: this.backend, attrs: {begin, size}});
    this.made.push(out);
    return out;
  }

  stridedSlice(x: Info, begin: number[], end: number[], strides: number[]): Info {
    return this.run('StridedSlice', {x}, {begin, end, strides, beginMask: 0, endMask: 0,
                                          ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0});
  }

  /** The Concat kernel takes its inputs as an array. */
  concat(parts: Info[], axis: number): Info {
    return this.run('Concat', parts as unknown as Record<string, Info>, {axis});
  }

  reverse(x: Info, dims: number[]): Info {
    return this.run('Reverse', {x}, {dims});
  }

  sum(x: Info, axis: number[]): Info {
    return this.run('Sum', {x}, {axis, keepDims: false});
  }

  /** NHWC conv2d with explicit non-negative pads `[top, bottom, left, right]`. */
  conv2d(x: Info, filter: Info, pads: number[], strides: number[], dilations: number[]): Info {
    return this.run('Conv2D', {x, filter}, {strides, dilations, pad: explicit(pads),
                                            dataFormat: 'NHWC'});
  }

  /** NHWC depthwise conv2d with explicit non-negative pads `[top, bottom, left, right]`. */
  depthwiseConv2d(x: Info, filter: Info, pads: number[], strides: number[],
                  dilations: number[]): Info {
    return this.run('DepthwiseConv2dNative', {x, filter},
                    {strides, dilations, pad: explicit(pads), dataFormat: 'NHWC'});
  }
}

function explicit(pads: number[]): 'valid' | Pads {
  const [t, b, l, r] = pads;
  return t === 0 && b === 0 && l === 0 && r === 0
    ? 'valid' : [[0, 0], [t, b], [l, r], [0, 0]];
}

/**
 * Runs `body` with a fresh `WasmOps` scope and frees every intermediate it made, also when it
 * throws. `body` must return one of the scope's results (or one of the kernel's inputs
 * reshaped through the scope).
 */
export function compose(backend: tf.KernelBackend, body: (ops: WasmOps) => Info): Info {
  const ops = new WasmOps(backend);
  let out: Info | undefined;
  try {
    out = body(ops);
    return out;
  } finally {
    ops.release(out);
  }
}
