//! Kölner Phonetik (Cologne phonetics, H. J. Postel 1969).
//!
//! The input is first folded to the DIN 91379 search form
//! ([`crate::text::search_form`]): upper-case A-Z, umlauts as AE/OE/UE,
//! ß as SS, other diacritics removed. Then, as in the published algorithm:
//!
//! 1. every letter is coded from left to right by the table below, looking
//!    at its neighbours (H gets no code but still counts as a neighbour);
//! 2. runs of the same digit are reduced to one;
//! 3. every `0` except one at the very start is removed.
//!
//! | letter | context | code |
//! |---|---|---|
//! | A E I J O U Y | | 0 |
//! | H | | – |
//! | B | | 1 |
//! | P | not before H | 1 |
//! | D T | not before C S Z | 2 |
//! | F V W | | 3 |
//! | P | before H | 3 |
//! | G K Q | | 4 |
//! | C | at the start before A H K L O Q R U X | 4 |
//! | C | before A H K O Q U X, not after S Z | 4 |
//! | X | not after C K Q | 48 |
//! | L | | 5 |
//! | M N | | 6 |
//! | R | | 7 |
//! | S Z | | 8 |
//! | C | after S Z | 8 |
//! | C | at the start, not before A H K L O Q R U X | 8 |
//! | C | not before A H K O Q U X | 8 |
//! | D T | before C S Z | 8 |
//! | X | after C K Q | 8 |
//!
//! Umlauts: the original table has no umlauts. Folding Ä to AE codes the
//! umlaut as a vowel (`0`), like the common extension that lists Ä Ö Ü as
//! vowels; the one difference is a C directly before an umlaut, which here
//! counts as "before A/O/U" (code 4, as in the `cologne-phonetics` and
//! `abydos` implementations), where the extension gives 8. ß folds to SS and
//! codes as S (8).

use unicode_normalization::UnicodeNormalization;

use crate::text::search_form;

/// The code of one letter (A-Z) given its neighbours within the word.
fn letter_code(c: u8, prev: Option<u8>, next: Option<u8>, at_start: bool) -> &'static [u8] {
    match c {
        b'A' | b'E' | b'I' | b'J' | b'O' | b'U' | b'Y' => b"0",
        b'B' => b"1",
        b'P' => {
            if next == Some(b'H') {
                b"3"
            } else {
                b"1"
            }
        }
        b'D' | b'T' => {
            if matches!(next, Some(b'C' | b'S' | b'Z')) {
                b"8"
            } else {
                b"2"
            }
        }
        b'F' | b'V' | b'W' => b"3",
        b'G' | b'K' | b'Q' => b"4",
        b'C' => {
            if at_start {
                if matches!(
                    next,
                    Some(b'A' | b'H' | b'K' | b'L' | b'O' | b'Q' | b'R' | b'U' | b'X')
                ) {
                    b"4"
                } else {
                    b"8"
                }
            } else if matches!(prev, Some(b'S' | b'Z')) {
                b"8"
            } else if matches!(next, Some(b'A' | b'H' | b'K' | b'O' | b'Q' | b'U' | b'X')) {
                b"4"
            } else {
                b"8"
            }
        }
        b'X' => {
            if matches!(prev, Some(b'C' | b'K' | b'Q')) {
                b"8"
            } else {
                b"48"
            }
        }
        b'L' => b"5",
        b'M' | b'N' => b"6",
        b'R' => b"7",
        b'S' | b'Z' => b"8",
        // H, and anything that is not an upper-case letter.
        _ => b"",
    }
}

/// Step 1 only: the digit of every letter of `letters` (upper-case A-Z,
/// other bytes are skipped), appended to `out` unreduced.
fn raw_into(letters: &[u8], out: &mut Vec<u8>) {
    let mut prev: Option<u8> = None;
    let mut iter = letters
        .iter()
        .copied()
        .filter(u8::is_ascii_uppercase)
        .peekable();
    let mut at_start = true;
    while let Some(c) = iter.next() {
        let next = iter.peek().copied();
        out.extend_from_slice(letter_code(c, prev, next, at_start));
        prev = Some(c);
        at_start = false;
    }
}

/// Steps 2 and 3: reduce runs of equal digits, then drop every `0` but a
/// leading one. Appends to `out`.
fn reduce_into(raw: &[u8], out: &mut String) {
    let mut last: Option<u8> = None;
    let mut any = false;
    for &d in raw {
        if last == Some(d) {
            continue;
        }
        last = Some(d);
        if d == b'0' && any {
            continue;
        }
        any = true;
        out.push(char::from(d));
    }
}

/// The Kölner Phonetik code of an upper-case A-Z word (bytes other than
/// A-Z are skipped, as the algorithm ignores non-letters), appended to `out`.
/// `scratch` is reused between calls to avoid allocation.
pub(crate) fn encode_folded_into(letters: &[u8], scratch: &mut Vec<u8>, out: &mut String) {
    scratch.clear();
    raw_into(letters, scratch);
    reduce_into(scratch, out);
}

/// The Kölner Phonetik code of `input`.
///
/// Non-letters (spaces, hyphens, apostrophes) are ignored, so a compound
/// name is coded as one word, as in the published example
/// `koelner_phonetik("Müller-Lüdenscheidt") == "65752682"`. For one code per
/// word use [`koelner_phonetik_words`].
///
/// ```
/// use fldm_core::matching::koelner_phonetik;
/// assert_eq!(koelner_phonetik("Meyer"), "67");
/// assert_eq!(koelner_phonetik("Müller"), koelner_phonetik("Mueller"));
/// ```
pub fn koelner_phonetik(input: &str) -> String {
    let folded = search_form(input);
    let mut out = String::new();
    let mut scratch = Vec::with_capacity(folded.len());
    encode_folded_into(folded.as_bytes(), &mut scratch, &mut out);
    out
}

/// The unreduced letter codes of `input` (step 1 of the algorithm only),
/// for explanation and tests: `"Müller-Lüdenscheidt"` gives
/// `"60550750206880022"`, the published example.
///
/// Here an umlaut is coded as one vowel (as in the published examples),
/// not as the two letters of its search form; the reduced code is the same
/// either way, because the second vowel only repeats a `0` that step 2
/// removes, and no context rule looks at the letter after a vowel's
/// neighbour.
pub fn koelner_phonetik_raw(input: &str) -> String {
    let single: String = input
        .nfc()
        .map(|c| match c {
            'ä' | 'Ä' => 'A',
            'ö' | 'Ö' => 'O',
            'ü' | 'Ü' => 'U',
            c => c,
        })
        .collect();
    let folded = search_form(&single);
    let mut raw = Vec::with_capacity(folded.len() * 2);
    raw_into(folded.as_bytes(), &mut raw);
    raw.into_iter().map(char::from).collect()
}

/// One Kölner Phonetik code per word of the search form of `input` (words
/// are separated by spaces and hyphens). Words without a code (such as
/// "H") give an empty string.
pub fn koelner_phonetik_words(input: &str) -> Vec<String> {
    let folded = search_form(input);
    let mut scratch = Vec::new();
    folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut out = String::new();
            encode_folded_into(w.as_bytes(), &mut scratch, &mut out);
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_example() {
        assert_eq!(
            koelner_phonetik_raw("Müller-Lüdenscheidt"),
            "60550750206880022"
        );
        assert_eq!(koelner_phonetik("Müller-Lüdenscheidt"), "65752682");
    }

    fn reduce(raw: &str) -> String {
        let mut out = String::new();
        reduce_into(raw.as_bytes(), &mut out);
        out
    }

    #[test]
    fn single_vowel_umlauts_reduce_like_the_search_form() {
        for s in [
            "Müller-Lüdenscheidt",
            "Cäcilie",
            "Größe",
            "Übel",
            "Jürgen Schäfer",
            "Xöx",
            "Pöhl",
            "Düsseldorf",
            "Tüzün",
            "Ökçü",
        ] {
            assert_eq!(reduce(&koelner_phonetik_raw(s)), koelner_phonetik(s), "{s}");
        }
    }

    #[test]
    fn h_is_no_separator_and_zero_kept_at_start() {
        assert_eq!(koelner_phonetik("Mhm"), "6");
        assert_eq!(koelner_phonetik("Ahab"), "01");
        assert_eq!(koelner_phonetik("Abab"), "011");
        assert_eq!(koelner_phonetik(""), "");
        assert_eq!(koelner_phonetik("H"), "");
    }
}
