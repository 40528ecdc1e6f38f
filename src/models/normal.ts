// The error function and the standard normal CDF, for p-values and for turning a regression's
// predicted return into a probability of an up move.
//
// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969),
// 631-638, as in his netlib SPECFUN routine CALERF (rev. March 19, 1990): three near-minimax rational
// approximations, good to about 18 significant digits before rounding. Unlike the short
// Abramowitz-Stegun 7.1.26 formula (absolute error 1.5e-7) it keeps full relative precision of
// erfc in the tail, which a p-value of a large Diebold-Mariano statistic needs.

// Cody's published coefficients have 18 significant digits; they are written here as the doubles
// they round to (the same values at runtime, without literals that claim more precision than they keep).

// erf(x) = x * A(x^2) / B(x^2) for |x| <= 0.46875
const A0 = 3.1611237438705655;
const A1 = 113.86415415105016;
const A2 = 377.485237685302;
const A3 = 3209.3775891384694;
const A4 = 0.18577770618460315;
const B0 = 23.601290952344122;
const B1 = 244.02463793444417;
const B2 = 1282.6165260773723;
const B3 = 2844.236833439171;
// erfc(y) = exp(-y^2) * C(y) / D(y) for 0.46875 < y <= 4
const C = [
  0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769, 1712.0476126340707, 2051.0783778260716,
  1230.3393547979972, 2.1531153547440383e-8,
] as const;
const D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597, 4362.619090143247, 3439.3676741437216,
  1230.3393548037495,
] as const;
// erfc(y) = exp(-y^2) / y * (1/sqrt(pi) - z * P(z) / Q(z)), z = 1/y^2, for y > 4
const P = [
  0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298378, 0.016315387137302097,
] as const;
const Q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918] as const;

const ONE_OVER_SQRT_PI = 0.5641895835477563;
const THRESHOLD = 0.46875;
/** erfc underflows to 0 beyond this (IEEE double). */
const X_BIG = 26.543;

function erfSmall(x: number): number {
  const z = x * x;
  const num = (((A4 * z + A0) * z + A1) * z + A2) * z + A3;
  const den = (((z + B0) * z + B1) * z + B2) * z + B3;
  return (x * num) / den;
}

/** exp(-y^2) computed as Cody does, splitting y^2 so the rounding of y*y is not magnified by exp. */
function expMinusSquare(y: number): number {
  const yt = Math.trunc(y * 16) / 16;
  return Math.exp(-yt * yt) * Math.exp(-(y - yt) * (y + yt));
}

/** erfc(y) for y > 0.46875. */
function erfcLarge(y: number): number {
  if (y >= X_BIG) return 0;
  let r: number;
  if (y <= 4) {
    let num = C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + (C[i] as number)) * y;
      den = (den + (D[i] as number)) * y;
    }
    r = (num + C[7]) / (den + D[7]);
  } else {
    const z = 1 / (y * y);
    let num = P[5] * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + (P[i] as number)) * z;
      den = (den + (Q[i] as number)) * z;
    }
    r = (ONE_OVER_SQRT_PI - (z * (num + P[4])) / (den + Q[4])) / y;
  }
  return r * expMinusSquare(y);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= THRESHOLD) return erfSmall(x);
  const c = erfcLarge(y);
  return x < 0 ? c - 1 : 1 - c;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= THRESHOLD) return 1 - erfSmall(x);
  const c = erfcLarge(y);
  return x < 0 ? 2 - c : c;
}

/** Standard normal CDF, Phi(z) = erfc(-z / sqrt 2) / 2: accurate in the lower tail too. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * Math.SQRT1_2);
}
