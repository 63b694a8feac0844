//! Jaro and Jaro-Winkler similarity.
//!
//! Jaro (1989): characters of the two strings match when they are equal and
//! at most `max(|a|, |b|) / 2 - 1` positions apart (each character matched
//! once, left to right); with `m` matches and `t` half the number of matched
//! characters that appear in a different order (integer half, as in
//! Winkler's reference code `strcmp95` and the usual libraries),
//! `jaro = (m/|a| + m/|b| + (m - t)/m) / 3`, and 0 without matches.
//!
//! Winkler (1990): `jw = jaro + l * 0.1 * (1 - jaro)` with `l` the length of
//! the common prefix, at most 4; the prefix bonus applies only when
//! `jaro > 0.7` (Winkler's boost threshold).
//!
//! Comparison is by Unicode scalar value (`char`), without any folding;
//! the matching model compares search forms (ASCII), for which a byte path
//! without allocation is used.

/// Winkler's prefix scale.
pub const PREFIX_SCALE: f64 = 0.1;
/// Longest prefix that earns the bonus.
pub const MAX_PREFIX: usize = 4;
/// Jaro similarity above which the prefix bonus applies.
pub const BOOST_THRESHOLD: f64 = 0.7;

/// Flags for up to this many characters live on the stack.
const STACK: usize = 64;

fn jaro_slices<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_stack = [false; STACK];
    let mut b_stack = [false; STACK];
    let mut a_heap = Vec::new();
    let mut b_heap = Vec::new();
    let (a_flags, b_flags): (&mut [bool], &mut [bool]) = if a.len() <= STACK && b.len() <= STACK {
        (&mut a_stack[..a.len()], &mut b_stack[..b.len()])
    } else {
        a_heap.resize(a.len(), false);
        b_heap.resize(b.len(), false);
        (&mut a_heap, &mut b_heap)
    };
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_flags[j] && b[j] == *ca {
                a_flags[i] = true;
                b_flags[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut out_of_order = 0usize;
    let mut k = 0usize;
    for (i, ca) in a.iter().enumerate() {
        if !a_flags[i] {
            continue;
        }
        while k < b.len() && !b_flags[k] {
            k += 1;
        }
        if k < b.len() && b[k] != *ca {
            out_of_order += 1;
        }
        k += 1;
    }
    let t = (out_of_order / 2) as f64;
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0
}

fn winkler<T: PartialEq>(a: &[T], b: &[T], jaro: f64) -> f64 {
    if jaro <= BOOST_THRESHOLD {
        return jaro;
    }
    let prefix = a
        .iter()
        .zip(b.iter())
        .take(MAX_PREFIX)
        .take_while(|(x, y)| x == y)
        .count();
    jaro + prefix as f64 * PREFIX_SCALE * (1.0 - jaro)
}

fn with_chars<R>(a: &str, b: &str, f: impl FnOnce(&[char], &[char]) -> R) -> R {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    f(&a, &b)
}

/// Jaro similarity of `a` and `b` (0 to 1), by `char`.
pub fn jaro(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() {
        return jaro_slices(a.as_bytes(), b.as_bytes());
    }
    with_chars(a, b, jaro_slices)
}

/// Jaro-Winkler similarity of `a` and `b` (0 to 1), by `char`.
///
/// ```
/// use fldm_core::matching::jaro_winkler;
/// assert!((jaro_winkler("MARTHA", "MARHTA") - 0.9611).abs() < 1e-4);
/// ```
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() {
        return jaro_winkler_bytes(a.as_bytes(), b.as_bytes());
    }
    with_chars(a, b, |a, b| winkler(a, b, jaro_slices(a, b)))
}

/// Jaro-Winkler on bytes (ASCII search forms), without allocation for
/// strings of up to 64 bytes.
pub(crate) fn jaro_winkler_bytes(a: &[u8], b: &[u8]) -> f64 {
    winkler(a, b, jaro_slices(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_use_the_heap_path() {
        let a = "A".repeat(100) + "B";
        let b = "A".repeat(100) + "C";
        let j = jaro(&a, &b);
        assert!((j - (100.0 / 101.0 * 2.0 + 1.0) / 3.0).abs() < 1e-12);
        assert!(jaro_winkler(&a, &b) > j);
    }

    #[test]
    fn non_ascii_by_char() {
        assert_eq!(jaro_winkler("Müller", "Müller"), 1.0);
        assert!((jaro("Müller", "Muller") - jaro("MXller", "Muller")).abs() < 1e-12);
    }
}
