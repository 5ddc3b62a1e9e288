//! Deterministic pseudo-random numbers: xoshiro256** seeded through SplitMix64,
//! one independent stream per account, and the few distributions the generator
//! draws from. Everything here is integer arithmetic or IEEE-754 basic
//! operations (`+ - * /`, `round`), never `libm` functions, so the same seed
//! gives the same numbers on every platform.

/// SplitMix64 step: used to expand a seed into generator state.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** (Blackman and Vigna), a small, fast, well-tested generator.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// The stream numbered `stream` of the data set seeded with `seed`.
    /// Streams of one seed are independent for practical purposes.
    pub(crate) fn for_stream(seed: u64, stream: u64) -> Self {
        let mut st = seed;
        let base = splitmix64(&mut st);
        let mut st = base ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut s = [0u64; 4];
        for slot in &mut s {
            *slot = splitmix64(&mut st);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (0 when `n` is 0), by Lemire's multiply-shift.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`; `lo` when `hi < lo`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `ppm` parts per million.
    pub(crate) fn chance(&mut self, ppm: u32) -> bool {
        self.below(1_000_000) < u64::from(ppm)
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Approximately standard normal: the Irwin–Hall sum of twelve uniforms
    /// minus six (unit variance, support ±6, close to normal out to 3σ).
    pub(crate) fn normal(&mut self) -> f64 {
        let mut sum = 0.0;
        for _ in 0..12 {
            sum += self.unit();
        }
        sum - 6.0
    }

    /// Log-normal with the given median and log-scale spread.
    pub(crate) fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * exp(sigma * self.normal())
    }

    /// An index into `weights`, chosen with probability proportional to its
    /// weight. `weights` must not be empty; all-zero weights pick index 0.
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            let w = u64::from(w);
            if x < w {
                return i;
            }
            x -= w;
        }
        0
    }
}

/// `e^x` from basic IEEE operations only (range reduction to `|r| <= ln2/2`
/// and a 16-term Taylor series), so it is bit-identical on every platform.
/// Accurate to a few ulps; `x` is clamped to `[-700, 700]`.
pub(crate) fn exp(x: f64) -> f64 {
    let x = x.clamp(-700.0, 700.0);
    let k = (x * std::f64::consts::LOG2_E).round();
    let r = x - k * std::f64::consts::LN_2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=16 {
        term *= r / f64::from(n);
        sum += term;
    }
    // k is within [-1010, 1010]; 2^k is built exactly from its exponent bits
    // in two halves so that neither half leaves the normal range.
    let k = k as i64;
    let half = k / 2;
    sum * pow2(half) * pow2(k - half)
}

fn pow2(k: i64) -> f64 {
    let biased = (k + 1023).clamp(1, 2046) as u64;
    f64::from_bits(biased << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_std_closely() {
        for i in -200..=200 {
            let x = f64::from(i) * 0.05;
            let ours = exp(x);
            let std = x.exp();
            assert!(
                ((ours - std) / std).abs() < 1e-14,
                "x={x} ours={ours} std={std}"
            );
        }
    }

    #[test]
    fn streams_differ_and_repeat() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::for_stream(7, 0);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::for_stream(7, 0);
                move |_| r.next_u64()
            })
            .collect();
        let c: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::for_stream(7, 1);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn below_and_weighted_stay_in_range() {
        let mut r = Rng::for_stream(1, 2);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            assert!(r.below(10) < 10);
            let v = r.range(3, 5);
            assert!((3..=5).contains(&v));
            counts[r.weighted(&[1, 0, 3])] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(counts[2] > counts[0] * 2, "{counts:?}");
        assert_eq!(r.below(0), 0);
    }
}
