//! The random source and the seed hash: everything the generator draws
//! comes from here, so the stream is the same on every platform.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The random source: ChaCha8 and fixed-point arithmetic on its 32-bit
/// output only, so results are the same on every platform.
pub(crate) struct Dice(ChaCha8Rng);

impl Dice {
    pub(crate) fn new(seed: u64) -> Self {
        Dice(ChaCha8Rng::seed_from_u64(seed))
    }

    pub(crate) fn u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    /// A number in `0..n` (0 if `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u64::from(self.u32()) * n as u64) >> 32) as usize
    }

    /// True with probability `p` per mille.
    pub(crate) fn pm(&mut self, p: u32) -> bool {
        (self.below(1000) as u32) < p
    }

    /// `a` with probability `p` per mille, else `b`.
    pub(crate) fn either<T>(&mut self, p: u32, a: T, b: T) -> T {
        if self.pm(p) { a } else { b }
    }

    /// A number in `lo..=hi` (`lo` if the range is empty).
    pub(crate) fn range(&mut self, lo: i32, hi: i32) -> i32 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as usize + 1) as i32
    }

    /// An element of `s` (the default value if `s` is empty).
    pub(crate) fn pick<T: Copy + Default>(&mut self, s: &[T]) -> T {
        s.get(self.below(s.len())).copied().unwrap_or_default()
    }

    /// A value drawn from `(value, weight)` pairs.
    pub(crate) fn weighted_pick<T: Copy>(&mut self, items: &[(T, u32)]) -> Option<T> {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut r = self.below(total as usize) as u32;
        for &(v, w) in items {
            if r < w {
                return Some(v);
            }
            r -= w;
        }
        None
    }

    /// An index drawn with the given weights.
    pub(crate) fn weighted(&mut self, w: &[u32]) -> usize {
        let total: u32 = w.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (i, &x) in w.iter().enumerate() {
            if r < x {
                return i;
            }
            r -= x;
        }
        0
    }
}

/// FNV-1a over the bytes of `s`: a seed derived from a string.
pub(crate) fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
