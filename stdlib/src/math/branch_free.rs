//! exp and ln without branches or library calls, so that a loop calling them over a slice vectorizes.
//!
//! glibc's `exp` and `log` are correctly rounded in nearly every case but are
//! calls the compiler cannot vectorize; in a density over thousands of
//! elements (`bernoulli_logit` with N = 5000) they were half of the gradient.
//! These are the textbook reductions (Cody–Waite for exp, fdlibm's
//! `log(1+f) = f - f²/2 + s(f²/2 + R(s²))` for ln) with Taylor coefficients,
//! written with selects instead of branches, and polynomials by Estrin's
//! scheme. The plain functions use separate multiplies and adds, so every
//! machine and vector width gives the same bits; `exp_lanes::<true>` and
//! `ln_lanes::<true>` fuse them, for loops compiled for CPUs with FMA.
//! Accuracy: a few ulps against glibc (the tests below measure it).

const LN2_HI: f64 = 6.931_471_803_691_238_2e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// 1.5 * 2^52: adding it rounds a double of magnitude below 2^51 to an
/// integer held in the low bits of the sum's mantissa.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// a * b + c, fused into one rounding when `FMA` (for callers compiled with
/// the CPU's fused multiply-add), else two.
#[inline(always)]
pub fn madd<const FMA: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// e^x for any x: +inf above 709.78, 0 below -745.13, NaN for NaN, and
/// subnormal results where they belong.
#[inline(always)]
pub fn exp_branch_free(x: f64) -> f64 {
    exp_lanes::<false>(x)
}

/// `exp_branch_free`, with fused multiply-adds when `FMA`: call it with
/// `true` only from code compiled for a CPU that has them.
#[inline(always)]
pub fn exp_lanes<const FMA: bool>(x: f64) -> f64 {
    let xc = x.clamp(-746.0, 710.0);
    let t = xc * std::f64::consts::LOG2_E + ROUND_MAGIC;
    let n = t - ROUND_MAGIC;
    // The low 52 bits of t hold 2^51 + n.
    let k = (t.to_bits() & 0x000f_ffff_ffff_ffff) as i64 - (1 << 51);
    // r = x - n ln 2 in two parts, |r| <= ln(2)/2.
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    // Taylor series of e^r to degree 13 (the remainder is below 1e-17), as
    // 1 + (r + r^2 P(r)) with P evaluated by Estrin's scheme: a dependency
    // chain of depth 5 instead of Horner's 12, which is what bounds a
    // vectorized loop.
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let pair = |c0: f64, c1: f64| madd::<FMA>(c1, r, c0);
    let q0 = madd::<FMA>(pair(1.0 / 24.0, 1.0 / 120.0), r2, pair(0.5, 1.0 / 6.0));
    let q1 = madd::<FMA>(
        pair(1.0 / 40_320.0, 1.0 / 362_880.0),
        r2,
        pair(1.0 / 720.0, 1.0 / 5_040.0),
    );
    let q2 = madd::<FMA>(
        pair(1.0 / 479_001_600.0, 1.0 / 6_227_020_800.0),
        r2,
        pair(1.0 / 3_628_800.0, 1.0 / 39_916_800.0),
    );
    let p = madd::<FMA>(q2, r8, madd::<FMA>(q1, r4, q0));
    let er = 1.0 + madd::<FMA>(r2, p, r);
    // 2^k as two factors 2^(k/2) 2^(k - k/2), each a normal double, so that
    // results down to the subnormals and up to the largest double are exact.
    let k1 = k >> 1;
    let k2 = k - k1;
    let s1 = f64::from_bits(((k1 + 1023) as u64) << 52);
    let s2 = f64::from_bits(((k2 + 1023) as u64) << 52);
    let y = er * s1 * s2;
    let y = if x > 709.782_712_893_384 {
        f64::INFINITY
    } else {
        y
    };
    let y = if x < -745.133_219_101_941_1 { 0.0 } else { y };
    if x.is_nan() {
        x
    } else {
        y
    }
}

/// ln(x) for positive normal and subnormal x; -inf at 0, NaN below 0 and
/// for NaN, +inf at +inf.
#[inline(always)]
pub fn ln_branch_free(x: f64) -> f64 {
    ln_lanes::<false>(x)
}

/// `ln_branch_free`, with fused multiply-adds when `FMA` (see `exp_lanes`).
#[inline(always)]
pub fn ln_lanes<const FMA: bool>(x: f64) -> f64 {
    // Subnormals: scale by 2^54 first.
    let tiny = x < f64::MIN_POSITIVE;
    let xs = if tiny {
        x * 18_014_398_509_481_984.0
    } else {
        x
    };
    let bits = xs.to_bits() as i64;
    // m in [sqrt(2)/2, sqrt(2)): shift the mantissa's range by the bits of
    // 1 - sqrt(2)/2 so that the exponent comes out one higher above sqrt(2).
    let shifted = bits.wrapping_add(0x0009_5f62_0000_0000);
    let k = (shifted >> 52) - 1023 - if tiny { 54 } else { 0 };
    let m_bits = (shifted & 0x000f_ffff_ffff_ffff) + 0x3fe6_a09e_0000_0000;
    let f = f64::from_bits(m_bits as u64) - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    // R(z) = 2 (z/3 + z^2/5 + ... + z^12/25): (ln((1+s)/(1-s)) - 2s) / s,
    // |s| < 0.172, by Estrin's scheme as in exp.
    let z2 = z * z;
    let z4 = z2 * z2;
    let z8 = z4 * z4;
    let pair = |k: f64| madd::<FMA>(2.0 / (2.0 * k + 5.0), z, 2.0 / (2.0 * k + 3.0));
    let q0 = madd::<FMA>(pair(2.0), z2, pair(0.0));
    let q1 = madd::<FMA>(pair(6.0), z2, pair(4.0));
    let q2 = madd::<FMA>(pair(10.0), z2, pair(8.0));
    let r = z * madd::<FMA>(q2, z8, madd::<FMA>(q1, z4, q0));
    let hfsq = 0.5 * f * f;
    // k as a double without a conversion instruction (AVX2 has none for 64-bit integers).
    let kf = f64::from_bits(ROUND_MAGIC.to_bits().wrapping_add(k as u64)) - ROUND_MAGIC;
    let y = kf * LN2_HI - ((hfsq - (s * (hfsq + r) + kf * LN2_LO)) - f);
    let y = if x == 0.0 { f64::NEG_INFINITY } else { y };
    let y = if x == f64::INFINITY { x } else { y };
    if x < 0.0 || x.is_nan() {
        f64::NAN
    } else {
        y
    }
}

/// ln(1 + x) for x > -1, from `ln_branch_free` and Kahan's correction for
/// the rounding of 1 + x.
#[inline(always)]
pub fn log1p_branch_free(x: f64) -> f64 {
    let u = 1.0 + x;
    let d = u - 1.0;
    let y = ln_branch_free(u) * (x / d);
    let y = if u == f64::INFINITY { u } else { y };
    if d == 0.0 {
        x
    } else {
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place.
    fn ulps(a: f64, b: f64) -> f64 {
        if a == b {
            return 0.0;
        }
        ((a - b) / (b.abs() * f64::EPSILON)).abs()
    }

    fn sweep(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> {
        (0..=n).map(move |i| lo + (hi - lo) * (i as f64 / n as f64) * 0.999_999_7)
    }

    #[test]
    fn exp_is_within_two_ulps_of_the_library() {
        let mut worst: f64 = 0.0;
        for x in sweep(-708.0, 709.7, 400_000).chain(sweep(-1.0, 1.0, 100_000)) {
            worst = worst.max(ulps(exp_branch_free(x), x.exp()));
            worst = worst.max(ulps(exp_lanes::<true>(x), x.exp()));
        }
        assert!(worst <= 2.0, "largest error {worst} ulps");
    }

    #[test]
    fn exp_keeps_the_edges() {
        assert_eq!(exp_branch_free(0.0), 1.0);
        assert_eq!(exp_branch_free(1000.0), f64::INFINITY);
        assert_eq!(exp_branch_free(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp_branch_free(-1000.0), 0.0);
        assert_eq!(exp_branch_free(f64::NEG_INFINITY), 0.0);
        assert!(exp_branch_free(f64::NAN).is_nan());
        // Subnormal results agree with the library's to within their spacing.
        for x in [-709.5, -720.0, -740.0, -745.0] {
            let (a, b) = (exp_branch_free(x), x.exp());
            assert!(
                (a - b).abs() <= 2.0 * 4.9e-324_f64.max(b * 4.0 * f64::EPSILON),
                "{x}: {a} {b}"
            );
        }
        assert_eq!(exp_branch_free(709.78), 709.78_f64.exp());
    }

    #[test]
    fn ln_is_within_two_ulps_of_the_library() {
        let mut worst: f64 = 0.0;
        let mut x = 1e-310_f64;
        while x < 1e308 {
            for v in [x, x * 1.234_567, x * 1.414, x * 1.5, x * 1.999] {
                worst = worst.max(ulps(ln_branch_free(v), v.ln()));
                worst = worst.max(ulps(ln_lanes::<true>(v), v.ln()));
            }
            x *= 1.61;
        }
        for v in sweep(0.5, 2.0, 200_000) {
            // Near 1 compare absolute error against ln's size scale.
            let (a, b) = (ln_branch_free(v), v.ln());
            if b.abs() > 1e-3 {
                worst = worst.max(ulps(a, b));
            } else {
                assert!(
                    (a - b).abs() <= 2.0 * f64::EPSILON * b.abs().max(1e-300) + 1e-300,
                    "{v}"
                );
            }
        }
        assert!(worst <= 2.0, "largest error {worst} ulps");
    }

    #[test]
    fn ln_keeps_the_edges() {
        assert_eq!(ln_branch_free(1.0), 0.0);
        assert_eq!(ln_branch_free(0.0), f64::NEG_INFINITY);
        assert_eq!(ln_branch_free(f64::INFINITY), f64::INFINITY);
        assert!(ln_branch_free(-1.0).is_nan() && ln_branch_free(f64::NAN).is_nan());
        assert!((ln_branch_free(5e-324) - 5e-324_f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn log1p_is_within_a_few_ulps_of_the_library() {
        let mut worst: f64 = 0.0;
        let mut x = 1e-300_f64;
        while x < 1e300 {
            for v in [x, x * 1.37, -(x.min(0.999_999))] {
                worst = worst.max(ulps(log1p_branch_free(v), v.ln_1p()));
            }
            x *= 1.07;
        }
        assert!(worst <= 4.0, "largest error {worst} ulps");
        assert_eq!(log1p_branch_free(0.0), 0.0);
        assert_eq!(log1p_branch_free(f64::INFINITY), f64::INFINITY);
        assert_eq!(log1p_branch_free(-1.0), f64::NEG_INFINITY);
        assert!(log1p_branch_free(f64::NAN).is_nan());
    }
}
