/**
 * A scattering network in the sense of Mallat ("Group invariant scattering", 2012) and Wiatowski,
 * Grohs and Bölcskei ("Energy propagation in deep convolutional neural networks", IEEE Trans.
 * Inf. Theory 64, 2018; docs/math.md §7), written with tfjs ops so that it runs on every backend
 * (the wasm backend has no FFT kernel: the discrete Fourier transforms are matrix products).
 *
 * Signals are real `n × n` images, periodic (circular convolution). A filter bank is the low-pass
 * `χ` and the band-pass filters `g_λ`, `λ = (j, θ)`, given by their DFTs on the `n × n` frequency
 * grid `ω ∈ (−π, π]²`. With `U[λ]f = |f * g_λ|` and `U[q]f = U[λ_n] ⋯ U[λ_1] f` for a path
 * `q = (λ_1, …, λ_n)` (`U[()]f = f`), the network propagates
 *
 *     W_n(f) = Σ_{|q| = n} ‖U[q]f‖²            (propagated energy at depth n, W_0 = ‖f‖²)
 *     O_n(f) = Σ_{|q| = n} ‖U[q]f * χ‖²        (energy of the outputs of depth n)
 *     |||Φ^N(f)|||² = Σ_{n < N} O_n(f)         (the feature vector up to depth N − 1)
 *
 * By Plancherel, for a real signal `h`,
 * `‖h * χ‖² + Σ_λ ‖h * g_λ‖² = (1/n²) Σ_ω |ĥ(ω)|² LP(ω)`, with the (symmetrised) Littlewood–Paley
 * sum `LP(ω) = |χ̂(ω)|² + ½ Σ_λ (|ĝ_λ(ω)|² + |ĝ_λ(−ω)|²)` (`|ĥ(ω)| = |ĥ(−ω)|` for real `h`). The
 * modulus keeps the energy of each map, so if `A ≤ LP ≤ B` every layer satisfies
 * `A·W_n ≤ O_n + W_{n+1} ≤ B·W_n`, and for a Parseval bank (`LP ≡ 1`)
 *
 *     ‖f‖² = Σ_{n < N} O_n(f) + W_N(f)      exactly, for every N.
 *
 * Energy conservation `A‖f‖² ≤ |||Φ(f)|||² ≤ B‖f‖²` (Wiatowski et al., Theorem 1) then holds when
 * `W_N(f) → 0`: the modulus moves energy towards low frequencies, where `χ̂` takes it out, and for
 * wavelets the decay is exponential in the depth.
 */
import * as tf from '@tensorflow/tfjs';
import * as v from '../util/validate';

/** How the filters are scaled against their Littlewood–Paley sum. */
export const FILTER_NORMALIZATIONS = ['parseval', 'admissible'] as const;
export type FilterNormalization = typeof FILTER_NORMALIZATIONS[number];

export interface MorletFilterBankArgs {
  /** Side `n` of the (square, periodic) images. */
  size: number;
  /** Scales `j = 0 … J − 1` of the band-pass filters; the low-pass has scale `2^J`. */
  scales: number;
  /** Orientations `θ = πl/L`, `l = 0 … L − 1`. */
  orientations: number;
  /**
   * `'parseval'` (default): every filter divided by `√LP(ω)`, so that `LP ≡ 1` (a Parseval frame:
   * the energy is conserved exactly). `'admissible'`: every filter divided by `√max LP`, so that
   * `LP ≤ 1` (the paper's admissibility condition) with `min LP` the lower frame bound.
   */
  normalization?: FilterNormalization;
}

/**
 * A filter bank as DFTs on the `n × n` grid (row frequency first, DFT index order: `k ≥ n/2` is
 * the frequency `2π(k − n)/n`): the low-pass `chi` `[n, n]` (real) and the band-pass filters
 * `psi` `[K, n, n]` (real too: the Morlet filters are real in frequency, complex in space), with
 * `scale[k]`, `angle[k]` of each, and the bounds `lpMin ≤ LP(ω) ≤ lpMax` of its Littlewood–Paley sum.
 */
export interface FilterBank {
  size: number;
  scales: number;
  orientations: number;
  normalization: FilterNormalization;
  chi: tf.Tensor2D;
  psi: tf.Tensor3D;
  scale: number[];
  angle: number[];
  lpMin: number;
  lpMax: number;
}

/** Spatial width of the mother wavelet and its centre frequency (kymatio's 2-D Morlet constants). */
const SIGMA0 = 0.8;
const XI0 = (3 * Math.PI) / 4;

/** The frequency of DFT index `k` of `n`, in (−π, π]. */
function frequency(k: number, n: number): number {
  return (2 * Math.PI * (k > n / 2 ? k - n : k)) / n;
}

/**
 * `Σ_{a, b ∈ {−1, 0, 1}} exp(−(σ²/2)(ν₁² + ν₂²/s²))` with `ν = R_{−θ}(ω + 2π(a, b)) − ξe₁`: a Gaussian
 * of frequency width `1/σ` centred at `ξ(cos θ, sin θ)`, elongated across by `s`, periodised.
 */
function gaussian(w1: number, w2: number, sigma: number, xi: number, theta: number, slant: number): number {
  let sum = 0;
  for (let a = -1; a <= 1; a++) {
    for (let b = -1; b <= 1; b++) {
      const o1 = w1 + 2 * Math.PI * a;
      const o2 = w2 + 2 * Math.PI * b;
      const n1 = Math.cos(theta) * o1 + Math.sin(theta) * o2 - xi;
      const n2 = -Math.sin(theta) * o1 + Math.cos(theta) * o2;
      sum += Math.exp(-(sigma * sigma / 2) * (n1 * n1 + (n2 * n2) / (slant * slant)));
    }
  }
  return sum;
}

/**
 * The 2-D Morlet filter bank of kymatio (Andreux et al., 2020), built in frequency: for scale `j`
 * and angle `θ = πl/L`,
 *
 *     ĝ_{j,θ}(ω) = G_{σ_j, ξ_j, θ}(ω) − κ G_{σ_j, 0, θ}(ω),   σ_j = 0.8·2^j,  ξ_j = (3π/4)·2^{−j},
 *
 * with `G` the periodised Gaussian (slant `4/L` for `L ≥ 4`, else 1) and `κ`
 * such that `ĝ(0) = 0` (zero mean); the low-pass `χ̂(ω) = G_{0.8·2^J, 0, 0}(ω)/G(0)` (`χ̂(0) = 1`).
 * The orientations cover `[0, π)`: with the symmetrised Littlewood–Paley sum this covers every
 * direction of a real signal. Then every filter is divided by `√LP(ω)` (Parseval) or by
 * `√max LP` (admissible), see {@link MorletFilterBankArgs.normalization}.
 */
export function morletFilterBank(args: MorletFilterBankArgs): FilterBank {
  const owner = 'morletFilterBank';
  if (typeof args !== 'object' || args === null) v.reject(owner, 'args', 'an object {size, scales, orientations}', args);
  const n = v.positiveInt(owner, 'size', args.size);
  if (n < 4) v.reject(owner, 'size', 'at least 4', n);
  const J = v.positiveInt(owner, 'scales', args.scales);
  const L = v.positiveInt(owner, 'orientations', args.orientations);
  const normalization = v.oneOf(owner, 'normalization', args.normalization ?? 'parseval', FILTER_NORMALIZATIONS);
  const slant = L >= 4 ? 4 / L : 1;
  const K = J * L;
  const psi = new Float64Array(K * n * n);
  const chi = new Float64Array(n * n);
  const scale: number[] = [];
  const angle: number[] = [];
  const sigmaJ = SIGMA0 * 2 ** J;
  const chi0 = gaussian(0, 0, sigmaJ, 0, 0, 1);
  for (let k1 = 0; k1 < n; k1++) {
    for (let k2 = 0; k2 < n; k2++) chi[k1 * n + k2] = gaussian(frequency(k1, n), frequency(k2, n), sigmaJ, 0, 0, 1) / chi0;
  }
  for (let j = 0; j < J; j++) {
    const sigma = SIGMA0 * 2 ** j;
    const xi = XI0 * 2 ** -j;
    for (let l = 0; l < L; l++) {
      const theta = (Math.PI * l) / L;
      const k = j * L + l;
      scale.push(j);
      angle.push(theta);
      const kappa = gaussian(0, 0, sigma, xi, theta, slant) / gaussian(0, 0, sigma, 0, theta, slant);
      for (let k1 = 0; k1 < n; k1++) {
        for (let k2 = 0; k2 < n; k2++) {
          const [w1, w2] = [frequency(k1, n), frequency(k2, n)];
          psi[(k * n + k1) * n + k2] = gaussian(w1, w2, sigma, xi, theta, slant) - kappa * gaussian(w1, w2, sigma, 0, theta, slant);
        }
      }
    }
  }
  const lp = littlewoodPaleyOf(chi, psi, n, K);
  const maxLp = Math.max(...lp);
  for (let p = 0; p < n * n; p++) {
    const divide = Math.sqrt(normalization === 'parseval' ? lp[p] : maxLp);
    chi[p] /= divide;
    for (let k = 0; k < K; k++) psi[k * n * n + p] /= divide;
  }
  const scaled = littlewoodPaleyOf(chi, psi, n, K);
  return {
    size: n, scales: J, orientations: L, normalization, scale, angle,
    chi: tf.tensor2d(Float32Array.from(chi), [n, n]), psi: tf.tensor3d(Float32Array.from(psi), [K, n, n]),
    lpMin: Math.min(...scaled), lpMax: Math.max(...scaled),
  };
}

/** `LP(ω) = χ̂(ω)² + ½ Σ_k (ĝ_k(ω)² + ĝ_k(−ω)²)` on the grid (real filters in frequency). */
function littlewoodPaleyOf(chi: ArrayLike<number>, psi: ArrayLike<number>, n: number, K: number): number[] {
  const lp: number[] = [];
  for (let k1 = 0; k1 < n; k1++) {
    for (let k2 = 0; k2 < n; k2++) {
      const p = k1 * n + k2;
      const m = ((n - k1) % n) * n + ((n - k2) % n);
      let sum = chi[p] * chi[p];
      for (let k = 0; k < K; k++) sum += (psi[k * n * n + p] ** 2 + psi[k * n * n + m] ** 2) / 2;
      lp.push(sum);
    }
  }
  return lp;
}

/** The Littlewood–Paley sum `LP(ω)` of a bank, `[n, n]` on the DFT grid (see the module's comment). */
export function littlewoodPaley(bank: FilterBank): tf.Tensor2D {
  const K = bank.psi.shape[0];
  return tf.tensor2d(littlewoodPaleyOf(bank.chi.dataSync(), bank.psi.dataSync(), bank.size, K), [bank.size, bank.size]);
}

/** Disposes the tensors of a bank. */
export function disposeFilterBank(bank: FilterBank): void {
  tf.dispose([bank.chi, bank.psi]);
}

/** A complex tensor as its real and imaginary parts. */
/** A complex tensor as its real and imaginary parts. */
export type Complex = {re: tf.Tensor; im: tf.Tensor};

/** The DFT matrix `F[k, m] = e^{∓2πikm/n}` (inverse: `+`, without the `1/n`), as real and imaginary parts. */
function dftMatrix(n: number, inverse: boolean): {re: tf.Tensor2D; im: tf.Tensor2D} {
  const re = new Float32Array(n * n);
  const im = new Float32Array(n * n);
  for (let k = 0; k < n; k++) {
    for (let m = 0; m < n; m++) {
      const phase = (2 * Math.PI * ((k * m) % n)) / n;
      re[k * n + m] = Math.cos(phase);
      im[k * n + m] = (inverse ? 1 : -1) * Math.sin(phase);
    }
  }
  return {re: tf.tensor2d(re, [n, n]), im: tf.tensor2d(im, [n, n])};
}

/**
 * `(X G)ᵀ` for `X` `[M, n, n]` (complex, or real when `im` is null) and the symmetric matrix `G`:
 * applied twice it is `G X G`, the 2-D transform.
 */
function multiplyTranspose(x: {re: tf.Tensor; im: tf.Tensor | null}, g: {re: tf.Tensor2D; im: tf.Tensor2D}): Complex {
  const [M, n] = [x.re.shape[0]!, x.re.shape[1]!];
  const flat = (t: tf.Tensor) => tf.reshape(t, [M * n, n]) as tf.Tensor2D;
  const back = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [M, n, n]), [0, 2, 1]);
  const xr = flat(x.re);
  if (x.im === null) return {re: back(tf.matMul(xr, g.re)), im: back(tf.matMul(xr, g.im))};
  const xi = flat(x.im);
  return {re: back(tf.sub(tf.matMul(xr, g.re), tf.matMul(xi, g.im))), im: back(tf.add(tf.matMul(xr, g.im), tf.matMul(xi, g.re)))};
}

/**
 * The 2-D DFT with matrix products, for backends without an FFT kernel: `dft(x)` of real maps
 * `[M, n, n]`, `idft(X)` of complex ones (with the `1/n²`).
 */
export class Dft2d {
  private readonly forwardMatrix: {re: tf.Tensor2D; im: tf.Tensor2D};
  private readonly inverseMatrix: {re: tf.Tensor2D; im: tf.Tensor2D};

  constructor(readonly size: number) {
    v.positiveInt('Dft2d', 'size', size);
    this.forwardMatrix = dftMatrix(size, false);
    this.inverseMatrix = dftMatrix(size, true);
  }

  /** `X̂[k₁, k₂] = Σ x[m₁, m₂] e^{−2πi(k₁m₁ + k₂m₂)/n}` of real `x` `[M, n, n]`. */
  dft(x: tf.Tensor): Complex {
    return tf.tidy(() => multiplyTranspose(multiplyTranspose({re: x, im: null}, this.forwardMatrix), this.forwardMatrix));
  }

  /** The inverse DFT `(1/n²) Σ X̂[k] e^{+2πi k·m/n}` of complex `X` `[M, n, n]`. */
  idft(x: Complex): Complex {
    return tf.tidy(() => {
      const twice = multiplyTranspose(multiplyTranspose(x, this.inverseMatrix), this.inverseMatrix);
      const scale = 1 / (this.size * this.size);
      return {re: tf.mul(twice.re, scale), im: tf.mul(twice.im, scale)};
    });
  }

  dispose(): void {
    tf.dispose([this.forwardMatrix.re, this.forwardMatrix.im, this.inverseMatrix.re, this.inverseMatrix.im]);
  }
}

/** What {@link scatteringEnergy} measures, per signal, each divided by the signal's `‖f‖²`. */
export interface ScatteringEnergy {
  /** `W_n(f)/‖f‖²` for `n = 0 … N` (`[N + 1][signals]`; `W_0/‖f‖² = 1`). */
  propagated: number[][];
  /** `O_n(f)/‖f‖²` for `n = 0 … N − 1` (`[N][signals]`). */
  output: number[][];
  /**
   * `P_n(f)/‖f‖²` for `n = 0 … N`: the energy `Σ ‖U[q]f‖²` of the paths of depth `n` pruned (not
   * propagated further). For `LP ≤ 1` the true `W_N` lies in `[W_N, W_N + Σ_{n < N} P_n]` (what
   * a path drops below it is at most its energy); 0 without pruning.
   */
  pruned: number[][];
  /** Paths propagated at each depth `n = 0 … N` (the largest over the passes): `K^n` without pruning. */
  paths: number[];
}

export interface ScatteringEnergyArgs {
  /** Depth `N`: the propagated energies `W_0 … W_N` and the outputs `O_0 … O_{N−1}`. */
  depth: number;
  /** Signals per pass. Default 8. */
  batch?: number;
  /**
   * Path pruning: of the children of each group of paths at depths `1 … N − 1`, the weakest
   * (summed over the pass's signals) that together carry at most `prune` of the group's children's
   * energy are not propagated further; their energy is counted in `pruned`, so
   * `Σ_s P_n(f_s) ≤ prune·Σ_s W_n(f_s)`. Default 0: every path.
   */
  prune?: number;
}

/**
 * Runs the scattering network of `bank` on the real signals `x` (`[B, n, n]` or `[B, n, n, 1]`,
 * `n` the bank's size) to depth `N` and returns, per signal, the energies of the module's comment
 * divided by `‖f‖²`: every path, no pruning (`K + K² + … + K^N` maps per signal). Throws on a
 * signal of zero energy.
 */
export function scatteringEnergy(bank: FilterBank, x: tf.Tensor, args: ScatteringEnergyArgs): ScatteringEnergy {
  const owner = 'scatteringEnergy';
  if (typeof bank !== 'object' || bank === null || !(bank.psi instanceof tf.Tensor)) v.reject(owner, 'bank', 'a FilterBank', bank);
  const n = bank.size;
  if (!(x instanceof tf.Tensor) || !((x.rank === 3 && x.shape[1] === n && x.shape[2] === n) ||
      (x.rank === 4 && x.shape[1] === n && x.shape[2] === n && x.shape[3] === 1))) {
    v.reject(owner, 'x', `signals [B, ${n}, ${n}] or [B, ${n}, ${n}, 1] (the bank's size)`, x instanceof tf.Tensor ? x.shape : x);
  }
  const depth = v.positiveInt(owner, 'depth', args?.depth);
  const prune = v.nonNegNumber(owner, 'prune', args.prune ?? 0);
  if (prune >= 1) v.reject(owner, 'prune', 'a fraction in [0, 1)', prune);
  const batch = v.positiveInt(owner, 'batch', args.batch ?? 8);
  const B = x.shape[0];
  const input = tf.tidy(() => tf.sum(tf.square(x), [...Array(x.rank).keys()].slice(1)).dataSync());
  const empty = input.findIndex((e) => !(e > 0));
  if (empty >= 0) v.reject(owner, `x (signal ${empty})`, 'of non-zero energy', 0);
  const result: ScatteringEnergy = {propagated: [Array.from(input, () => 1)], output: [], pruned: [Array.from(input, () => 0)], paths: [1]};
  for (let d = 1; d <= depth; d++) {
    result.propagated.push([]);
    result.pruned.push([]);
    result.paths.push(0);
  }
  for (let d = 0; d < depth; d++) result.output.push([]);
  const dft = new Dft2d(n);
  try {
    for (let start = 0; start < B; start += batch) {
      const size = Math.min(batch, B - start);
      const chunk = tf.tidy(() => tf.reshape(tf.slice(x, start, size), [size, 1, n, n]));
      const energy = Array.from(input.subarray(start, start + size));
      const totals = {propagated: [] as Float64Array[], output: [] as Float64Array[], pruned: [] as Float64Array[], paths: [] as number[]};
      for (let d = 0; d < depth; d++) {
        for (const list of [totals.propagated, totals.output, totals.pruned]) list.push(new Float64Array(size));
        totals.paths.push(0);
      }
      visit({bank, dft, depth, prune, totals}, chunk, 0);
      chunk.dispose();
      const relative = (values: ArrayLike<number>) => Array.from(values, (w, b) => w / energy[b]);
      totals.propagated.forEach((e, d) => result.propagated[d + 1].push(...relative(e)));
      totals.output.forEach((e, d) => result.output[d].push(...relative(e)));
      totals.pruned.forEach((e, d) => result.pruned[d + 1].push(...relative(e)));
      totals.paths.forEach((p, d) => result.paths[d + 1] = Math.max(result.paths[d + 1], p));
    }
  } finally {
    dft.dispose();
  }
  return result;
}

/** What {@link visit} needs and adds to: the sums of one pass, per signal (not divided), by depth. */
interface Pass {
  bank: FilterBank;
  dft: Dft2d;
  depth: number;
  /** The fraction of each group's children's energy that may be pruned. */
  prune: number;
  /** `propagated[d]`, `pruned[d]`, `paths[d]`: depth `d + 1`; `output[d]`: depth `d`. */
  totals: {propagated: Float64Array[]; output: Float64Array[]; pruned: Float64Array[]; paths: number[]};
}

/** Entries of the largest map set one step makes (`b·paths·K·n²`, complex). */
const STEP_ENTRIES = 2 ** 21;

/**
 * One step of the tree, depth first: `maps` `[b, P, n, n]` are `P` paths of depth `d` for the
 * pass's `b` signals. The DFT gives their outputs `O_d += (1/n²)Σ|Û|²χ̂²`; times each `ĝ_λ` and
 * back, the modulus gives their `P·K` children (filter index fastest), whose energies add to
 * `W_{d+1}`. Children below the pass's floor for every signal are pruned (counted in `P_{d+1}`,
 * never at depth `N`); the others are visited in groups of paths that keep the next step under
 * {@link STEP_ENTRIES}. Disposes nothing it was given.
 */
function visit(pass: Pass, maps: tf.Tensor, d: number): void {
  const {bank, dft, totals} = pass;
  const n = bank.size;
  const K = bank.psi.shape[0];
  const [b, paths] = [maps.shape[0], maps.shape[1]!];
  const children = tf.tidy(() => {
    const spectrum = dft.dft(tf.reshape(maps, [b * paths, n, n]));
    const lowPass = tf.mul(tf.add(tf.square(spectrum.re), tf.square(spectrum.im)), tf.square(bank.chi));
    const output = tf.sum(tf.reshape(lowPass, [b, -1]), 1).dataSync();
    output.forEach((o, s) => totals.output[d][s] += o / (n * n));
    const times = (t: tf.Tensor) => tf.reshape(tf.mul(tf.expandDims(t, 1), bank.psi), [b * paths * K, n, n]);
    const back = dft.idft({re: times(spectrum.re), im: times(spectrum.im)});
    return tf.reshape(tf.sqrt(tf.add(tf.square(back.re), tf.square(back.im))), [b, paths * K, n, n]);
  });
  const count = paths * K;
  const perPath = tf.tidy(() => tf.sum(tf.square(children), [2, 3]).dataSync());  // [b, count]
  totals.paths[d] += count;
  const pathEnergy = Array.from({length: count}, (_, p) => {
    let sum = 0;
    for (let s = 0; s < b; s++) sum += perPath[s * count + p];
    return sum;
  });
  // The weakest paths, while together they carry at most `prune` of the children's energy.
  const dropped = new Set<number>();
  if (d + 1 < pass.depth && pass.prune > 0) {
    const budget = pass.prune * pathEnergy.reduce((a, e) => a + e, 0);
    let spent = 0;
    for (const p of [...pathEnergy.keys()].sort((a, c) => pathEnergy[a] - pathEnergy[c])) {
      if (spent + pathEnergy[p] > budget) break;
      spent += pathEnergy[p];
      dropped.add(p);
    }
  }
  const keep: number[] = [];
  for (let p = 0; p < count; p++) {
    if (!dropped.has(p)) keep.push(p);
    for (let s = 0; s < b; s++) {
      totals.propagated[d][s] += perPath[s * count + p];
      if (dropped.has(p)) totals.pruned[d][s] += perPath[s * count + p];
    }
  }
  if (d + 1 < pass.depth) {
    const group = Math.max(1, Math.floor(STEP_ENTRIES / (b * K * n * n)));
    for (let start = 0; start < keep.length; start += group) {
      const part = keep.slice(start, start + group);
      const next = tf.tidy(() => tf.gather(children, tf.tensor1d(part, 'int32'), 1));
      visit(pass, next, d + 1);
      next.dispose();
    }
  }
  children.dispose();
}
