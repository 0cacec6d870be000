import {strict as assert} from 'assert';
import {layeredBasisPursuitBound, layeredThresholdingBound, uniquenessBound} from '../../src/analysis';
import {expectClose, expectThrows} from '../helpers';

describe('analysis bounds (Papyan, Romano, Elad 2017)', () => {
  it('μ = 1/3: uniqueness ½(1 + 3) = 2, layered basis pursuit ⅓(1 + 3) = 4/3', () => {
    expectClose(uniquenessBound(1 / 3), 2, 1e-12);
    expectClose(layeredBasisPursuitBound(1 / 3), 4 / 3, 1e-12);
  });

  it('μ = 1 (a repeated atom): uniqueness 1, basis pursuit 2/3; μ = 0.01: 50.5 and 101/3', () => {
    expectClose(uniquenessBound(1), 1, 1e-12);
    expectClose(layeredBasisPursuitBound(1), 2 / 3, 1e-12);
    expectClose(uniquenessBound(0.01), 50.5, 1e-9);
    expectClose(layeredBasisPursuitBound(0.01), 101 / 3, 1e-9);
  });

  it('the basis-pursuit bound is 2/3 of the uniqueness bound at every μ', () => {
    for (const mu of [0.05, 0.2, 0.5, 0.9]) expectClose(layeredBasisPursuitBound(mu), (2 / 3) * uniquenessBound(mu), 1e-12);
  });

  it('layered thresholding with ratio 1 and no noise is the uniqueness bound', () => {
    for (const mu of [0.05, 1 / 3, 0.7, 1]) {
      expectClose(layeredThresholdingBound({mu, ratio: 1}), uniquenessBound(mu), 1e-12);
      expectClose(layeredThresholdingBound({mu, ratio: 1, noise: 0, maxCoefficient: 5}), uniquenessBound(mu), 1e-12);
    }
  });

  it('layered thresholding: ½(1 + ratio/μ) − noise/(μ·|Γmax|) at known values', () => {
    // μ = 0.1, ratio ½: ½(1 + 5) = 3.
    expectClose(layeredThresholdingBound({mu: 0.1, ratio: 0.5}), 3, 1e-12);
    // μ = ¼, ratio 1, ε = 0.1, |Γmax| = 2: ½(1 + 4) − 0.1/(¼·2) = 2.5 − 0.2.
    expectClose(layeredThresholdingBound({mu: 0.25, ratio: 1, noise: 0.1, maxCoefficient: 2}), 2.3, 1e-12);
  });

  it('layered thresholding falls below the basis-pursuit bound when the ratio is small enough; basis pursuit does not depend on it', () => {
    const mu = 0.05;
    // ½(1 + r/μ) < ⅓(1 + 1/μ) ⇔ r < (2 − μ)/3 at μ = 0.05: r < 0.65.
    assert.ok(layeredThresholdingBound({mu, ratio: 0.6}) < layeredBasisPursuitBound(mu));
    assert.ok(layeredThresholdingBound({mu, ratio: 0.7}) > layeredBasisPursuitBound(mu));
    // and decreases with the noise.
    assert.ok(layeredThresholdingBound({mu, ratio: 0.7, noise: 0.2, maxCoefficient: 1}) <
              layeredThresholdingBound({mu, ratio: 0.7, noise: 0.1, maxCoefficient: 1}));
  });

  it('rejects μ outside (0, 1], a ratio outside (0, 1], a negative noise, a missing or non-positive |Γmax|, naming them', () => {
    for (const mu of [0, -0.1, 1.5, NaN]) {
      expectThrows(() => uniquenessBound(mu), new RegExp(`uniquenessBound: mu must be a mutual coherence in \\(0, 1\\], got ${mu}`));
      expectThrows(() => layeredBasisPursuitBound(mu), new RegExp(`layeredBasisPursuitBound: mu must be .*, got ${mu}`));
      expectThrows(() => layeredThresholdingBound({mu, ratio: 1}), new RegExp(`layeredThresholdingBound: mu must be .*, got ${mu}`));
    }
    for (const ratio of [0, 1.2, -1]) {
      expectThrows(() => layeredThresholdingBound({mu: 0.5, ratio}),
                   new RegExp(`layeredThresholdingBound: ratio must be a ratio \\|Γmin\\|/\\|Γmax\\| in \\(0, 1\\], got ${ratio}`));
    }
    expectThrows(() => layeredThresholdingBound({mu: 0.5, ratio: 1, noise: -0.1}), /layeredThresholdingBound: noise must be a finite number ≥ 0, got -0.1/);
    expectThrows(() => layeredThresholdingBound({mu: 0.5, ratio: 1, noise: 0.1}), /layeredThresholdingBound: maxCoefficient must be a finite number > 0, got undefined/);
    expectThrows(() => layeredThresholdingBound({mu: 0.5, ratio: 1, noise: 0.1, maxCoefficient: 0}), /layeredThresholdingBound: maxCoefficient must be a finite number > 0, got 0/);
  });
});
