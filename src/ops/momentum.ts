/**
 * FISTA's momentum (Beck & Teboulle): `t_{k+1} = (1 + √(1 + 4t_k²))/2` and the extrapolation
 * `y^{k+1} = z^{k+1} + ((t_k − 1)/t_{k+1})(z^{k+1} − z^k)`, from `t_0 = 1`. The one definition the
 * layers, the solvers and the ONNX converters use.
 */

/** `t_{k+1}` from `t_k`. */
export function nextMomentum(t: number): number {
  return (1 + Math.sqrt(1 + 4 * t * t)) / 2;
}

/** From `t_k`: `t_{k+1}` and the extrapolation weight `(t_k − 1)/t_{k+1}`. */
export function fistaMomentum(t: number): {next: number; weight: number} {
  const next = nextMomentum(t);
  return {next, weight: (t - 1) / next};
}
