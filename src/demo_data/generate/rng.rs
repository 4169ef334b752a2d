//! The random streams: a SplitMix64 generator per table, seeded with a constant.

use super::rows::DAY;

/// Seed of every random stream (mixed with the stream's name).
const SEED: u64 = 0x05EE_D107_5BA2_0250;

/// SplitMix64: tiny, fast, and good enough for test data.
pub(super) struct Rng {
    state: u64,
}

impl Rng {
    /// An independent stream per name (FNV-1a of the name mixed into the seed).
    pub(super) fn new(stream: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in stream.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Rng { state: SEED ^ h }
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; `n` must be > 0.
    pub(super) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub(super) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u128 + 1;
        lo + ((u128::from(self.next_u64()) * span) >> 64) as i64
    }

    /// True with probability `p`.
    pub(super) fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) / ((1u64 << 53) as f64) < p
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub(super) fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| *w).sum();
        let mut r = self.below(total as usize) as u32;
        for (item, w) in items {
            if r < *w {
                return item;
            }
            r -= w;
        }
        &items[items.len() - 1].0
    }

    /// A decimal in `lo..=hi` with exactly `scale` fractional digits.
    pub(super) fn decimal(&mut self, lo: f64, hi: f64, scale: i32) -> f64 {
        let f = 10f64.powi(scale);
        let units = self.range((lo * f).round() as i64, (hi * f).round() as i64);
        units as f64 / f
    }

    /// Up to `k` distinct indices in `0..n`, in the order drawn.
    pub(super) fn distinct(&mut self, n: usize, k: usize) -> Vec<usize> {
        let k = k.min(n);
        let mut out = Vec::with_capacity(k);
        while out.len() < k {
            let i = self.below(n);
            if !out.contains(&i) {
                out.push(i);
            }
        }
        out
    }

    /// A timestamp (seconds since 1970) uniform in `lo..=hi`.
    pub(super) fn ts_between(&mut self, lo: i64, hi: i64) -> i64 {
        self.range(lo, hi.max(lo))
    }

    /// A day in `lo..=hi` at office hours.
    pub(super) fn office_ts(&mut self, lo: i64, hi: i64) -> i64 {
        let day = self.ts_between(lo, hi).div_euclid(DAY) * DAY;
        day + self.range(7 * 3600, 18 * 3600)
    }

    /// NULL, empty string or the text produced by `f`, with the given odds.
    pub(super) fn maybe_text(
        &mut self,
        p_null: f64,
        p_empty: f64,
        f: impl FnOnce(&mut Rng) -> String,
    ) -> Option<String> {
        let x = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        if x < p_null {
            None
        } else if x < p_null + p_empty {
            Some(String::new())
        } else {
            Some(f(self))
        }
    }
}
