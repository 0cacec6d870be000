import * as tf from '@tensorflow/tfjs';
import {strict as assert} from 'assert';
import {Dft2d, disposeFilterBank, FilterBank, littlewoodPaley, morletFilterBank, scatteringEnergy} from '../../src/analysis';
import {expectClose, expectThrows} from '../helpers';

/** The 2-D DFT `Σ x[m] e^{∓2πi k·m/n}` by its definition, in float64: `[re, im]`, row-major. */
function naiveDft(x: ArrayLike<number>, xi: ArrayLike<number> | null, n: number, sign: number): [number[], number[]] {
  const re = new Array<number>(n * n).fill(0);
  const im = new Array<number>(n * n).fill(0);
  for (let k1 = 0; k1 < n; k1++) {
    for (let k2 = 0; k2 < n; k2++) {
      for (let m1 = 0; m1 < n; m1++) {
        for (let m2 = 0; m2 < n; m2++) {
          const phase = (sign * 2 * Math.PI * (k1 * m1 + k2 * m2)) / n;
          const [a, b] = [x[m1 * n + m2], xi ? xi[m1 * n + m2] : 0];
          re[k1 * n + k2] += a * Math.cos(phase) - b * Math.sin(phase);
          im[k1 * n + k2] += a * Math.sin(phase) + b * Math.cos(phase);
        }
      }
    }
  }
  return [re, im];
}

/** `Σ|h|²` of a real or complex map. */
const energy = (re: number[], im: number[] = []) => re.reduce((a, r, i) => a + r * r + (im[i] ?? 0) ** 2, 0);

/**
 * `f * g` for the filter given by its DFT `ĝ` (real), by circular convolution in space: the
 * filter `g = IDFT(ĝ)` by definition, then `(f * g)[m] = Σ_p f[p] g[m − p]`.
 */
function circularConvolution(f: number[], gHat: ArrayLike<number>, n: number): [number[], number[]] {
  const [gr, gi] = naiveDft(gHat, null, n, 1).map((part) => part.map((value) => value / (n * n)));
  const re = new Array<number>(n * n).fill(0);
  const im = new Array<number>(n * n).fill(0);
  for (let m1 = 0; m1 < n; m1++) {
    for (let m2 = 0; m2 < n; m2++) {
      for (let p1 = 0; p1 < n; p1++) {
        for (let p2 = 0; p2 < n; p2++) {
          const q = ((m1 - p1 + n) % n) * n + ((m2 - p2 + n) % n);
          re[m1 * n + m2] += f[p1 * n + p2] * gr[q];
          im[m1 * n + m2] += f[p1 * n + p2] * gi[q];
        }
      }
    }
  }
  return [re, im];
}

describe('analysis.scattering', () => {
  it('Dft2d: the DFT of its definition (8×8), and the inverse gives the map back', () => {
    const n = 8;
    const x = tf.randomNormal([2, n, n], 0, 1, 'float32', 1);
    const dft = new Dft2d(n);
    const spectrum = dft.dft(x);
    const values = x.arraySync() as number[][][];
    const [re, im] = naiveDft(values[1].flat(), null, n, -1);
    expectClose(tf.slice(spectrum.re, 1, 1), re, 1e-4);
    expectClose(tf.slice(spectrum.im, 1, 1), im, 1e-4);
    const back = dft.idft(spectrum);
    expectClose(back.re, x, 1e-5);
    expectClose(back.im, tf.zerosLike(x), 1e-5);
    tf.dispose([x, spectrum.re, spectrum.im, back.re, back.im]);
    dft.dispose();
  });

  it('Morlet bank, Parseval: the Littlewood–Paley sum is 1 at every frequency; zero-mean band-pass filters, χ̂(0) > 0 (16×16, J 2, L 4)', () => {
    const bank = morletFilterBank({size: 16, scales: 2, orientations: 4});
    assert.equal(bank.psi.shape[0], 8);
    const lp = littlewoodPaley(bank);
    expectClose(lp, new Array(256).fill(1), 1e-5);
    expectClose([bank.lpMin, bank.lpMax], [1, 1], 1e-9);
    const psi = bank.psi.arraySync();
    expectClose(psi.map((filter) => filter[0][0]), new Array(8).fill(0), 1e-6);
    assert.ok(bank.chi.dataSync()[0] > 0.5, 'the low-pass passes the mean');
    lp.dispose();
    disposeFilterBank(bank);
  });

  it('Morlet bank, admissible: max LP = 1, min LP < 1, and the same filters as the Parseval bank up to a factor √(LP_adm(ω)) common to all', () => {
    const args = {size: 16, scales: 2, orientations: 4};
    const parseval = morletFilterBank(args);
    const admissible = morletFilterBank({...args, normalization: 'admissible'});
    const lp = littlewoodPaley(admissible);
    const values = lp.dataSync();
    expectClose([Math.max(...values)], [1], 1e-5);
    assert.ok(admissible.lpMin < 0.99 && admissible.lpMin > 0, `min LP ${admissible.lpMin}`);
    expectClose([Math.min(...values)], [admissible.lpMin], 1e-5);
    // ĝ_adm(ω) = ĝ(ω)/√max LP_raw and ĝ_par(ω) = ĝ(ω)/√LP_raw(ω): their ratio is √(LP_raw(ω)/max) = √LP_adm(ω).
    const factor = tf.sqrt(lp);
    expectClose(admissible.chi, tf.mul(parseval.chi, factor), 1e-5);
    expectClose(admissible.psi, tf.mul(parseval.psi, factor), 1e-5);
    tf.dispose([lp, factor]);
    disposeFilterBank(parseval);
    disposeFilterBank(admissible);
  });

  describe('energy', () => {
    let bank: FilterBank;
    before(() => { bank = morletFilterBank({size: 8, scales: 1, orientations: 2}); });
    after(() => disposeFilterBank(bank));

    it('one layer of a Parseval bank with the modulus conserves the energy: ‖f * χ‖² + Σ_λ ‖|f * g_λ|‖² = ‖f‖² (circular convolution in space)', () => {
      const n = 8;
      const x = tf.randomUniform([3, n, n], -1, 1, 'float32', 2);
      const signals = (x.arraySync() as number[][][]).map((s) => s.flat());
      const chi = bank.chi.dataSync();
      const psi = bank.psi.dataSync();
      const measured = scatteringEnergy(bank, x, {depth: 1});
      signals.forEach((f, s) => {
        const input = energy(f);
        const low = energy(circularConvolution(f, chi, n)[0]);
        // |f * g_λ|: the modulus of the complex map, whose energy is the complex map's.
        const band = [0, 1].reduce((a, k) => a + energy(...circularConvolution(f, psi.subarray(k * n * n, (k + 1) * n * n), n)), 0);
        expectClose([low / input + band / input], [1], 1e-5);
        expectClose([measured.output[0][s], measured.propagated[1][s]], [low / input, band / input], 1e-4);
      });
      x.dispose();
    });

    it('Parseval bank: Σ_{n<N} O_n + W_N = ‖f‖² for N = 1, 2, 3, and W_N decreases', () => {
      const x = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 3);
      const e = scatteringEnergy(bank, x, {depth: 3, batch: 3});
      assert.deepEqual(e.paths, [1, 2, 4, 8]);
      for (let s = 0; s < 4; s++) {
        for (let N = 1; N <= 3; N++) {
          const kept = e.output.slice(0, N).reduce((a, o) => a + o[s], 0);
          expectClose([kept + e.propagated[N][s]], [1], 1e-4);
          assert.ok(e.propagated[N][s] < e.propagated[N - 1][s]);
        }
      }
      expectClose(e.pruned.flat(), new Array(16).fill(0), 0);
      x.dispose();
    });

    it('admissible bank (LP ≤ 1): min LP·W_n ≤ O_n + W_{n+1} ≤ W_n', () => {
      const admissible = morletFilterBank({size: 8, scales: 1, orientations: 2, normalization: 'admissible'});
      const x = tf.randomUniform([4, 8, 8], 0, 1, 'float32', 4);
      const e = scatteringEnergy(admissible, x, {depth: 2});
      for (let s = 0; s < 4; s++) {
        for (let n = 0; n < 2; n++) {
          const next = e.output[n][s] + e.propagated[n + 1][s];
          assert.ok(next <= e.propagated[n][s] * (1 + 1e-5), `depth ${n}: ${next} > ${e.propagated[n][s]}`);
          assert.ok(next >= admissible.lpMin * e.propagated[n][s] * (1 - 1e-5), `depth ${n}: ${next}`);
        }
      }
      x.dispose();
      disposeFilterBank(admissible);
    });

    it('pruning: the depths before it are unchanged, and the true W_N lies in [W_N, W_N + Σ P_n]', () => {
      const x = tf.randomUniform([3, 8, 8], 0, 1, 'float32', 5);
      const full = scatteringEnergy(bank, x, {depth: 3});
      const pruned = scatteringEnergy(bank, x, {depth: 3, prune: 0.3});
      assert.ok(pruned.paths[3] < full.paths[3], `paths ${pruned.paths}`);
      for (let s = 0; s < 3; s++) {
        expectClose([pruned.propagated[1][s], pruned.output[0][s], pruned.output[1][s]],
                    [full.propagated[1][s], full.output[0][s], full.output[1][s]], 1e-6);
        const dropped = pruned.pruned.reduce((a, row) => a + row[s], 0);
        assert.ok(dropped > 0);
        assert.ok(pruned.propagated[3][s] <= full.propagated[3][s] + 1e-7);
        assert.ok(full.propagated[3][s] <= pruned.propagated[3][s] + dropped + 1e-7);
        // What was pruned at depth 1 or 2 is at most 30 % of that depth's energy (one pass, summed over the signals).
      }
      for (const d of [1, 2]) {
        const sum = (rows: number[][]) => rows[d].reduce((a, e) => a + e, 0);
        assert.ok(sum(pruned.pruned) <= 0.3 * sum(pruned.propagated) + 1e-7);
      }
      x.dispose();
    });

    it('leaves no tensor behind', () => {
      const x = tf.randomUniform([2, 8, 8], 0, 1, 'float32', 6);
      const before = tf.memory().numTensors;
      scatteringEnergy(bank, x, {depth: 2, prune: 0.1});
      assert.equal(tf.memory().numTensors, before);
      x.dispose();
    });

    it('names each bad argument and its value', () => {
      const x = tf.ones([2, 8, 8]);
      expectThrows(() => scatteringEnergy(bank, tf.ones([2, 9, 9]), {depth: 1}), /scatteringEnergy: x must be signals \[B, 8, 8\].*got \[2, 9, 9\]/);
      expectThrows(() => scatteringEnergy(bank, x, {depth: 0}), /scatteringEnergy: depth must be a positive integer, got 0/);
      expectThrows(() => scatteringEnergy(bank, x, {depth: 1, prune: 1}), /scatteringEnergy: prune must be a fraction in \[0, 1\), got 1/);
      expectThrows(() => scatteringEnergy(bank, x, {depth: 1, batch: 0}), /scatteringEnergy: batch must be a positive integer, got 0/);
      expectThrows(() => scatteringEnergy(bank, tf.concat([x, tf.zeros([1, 8, 8])]), {depth: 1}),
                   /scatteringEnergy: x \(signal 2\) must be of non-zero energy, got 0/);
      expectThrows(() => scatteringEnergy({} as FilterBank, x, {depth: 1}), /scatteringEnergy: bank must be a FilterBank/);
      expectThrows(() => morletFilterBank({size: 2, scales: 1, orientations: 1}), /morletFilterBank: size must be at least 4, got 2/);
      expectThrows(() => morletFilterBank({size: 8, scales: 0, orientations: 1}), /morletFilterBank: scales must be a positive integer, got 0/);
      expectThrows(() => morletFilterBank({size: 8, scales: 1, orientations: 1.5}), /morletFilterBank: orientations must be a positive integer, got 1\.5/);
      expectThrows(() => morletFilterBank({size: 8, scales: 1, orientations: 1, normalization: 'tight' as 'parseval'}),
                   /morletFilterBank: normalization must be one of 'parseval', 'admissible', got 'tight'/);
      expectThrows(() => new Dft2d(0), /Dft2d: size must be a positive integer, got 0/);
      x.dispose();
    });
  });
});
